"""Command line: ``python -m segmentation assign MODEL INPUT OUTPUT``.

Applies a segmentation exported from the app ("Download model" on the Monitor page) to a CSV
file of customers with the same columns, reading it in chunks so files larger than memory
work, and writes one ``customer id, segment`` row per customer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from segmentation.errors import SegmentationError
from segmentation.sharing.reuse import CHUNK_ROWS, assign_file, load_model


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m segmentation",
        description="Segment Studio from the command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    assign = commands.add_parser(
        "assign",
        help="put every customer of a CSV file into the segments of an exported model",
        description="Put every customer of INPUT into the segments of MODEL and write OUTPUT "
        "(customer id, segment). Only load model files you made or trust.",
    )
    assign.add_argument("model", help="model file saved from the app (.joblib)")
    assign.add_argument("input", help="CSV of customers with the original columns (.csv/.csv.gz)")
    assign.add_argument("output", help="CSV to write: customer id and segment name")
    assign.add_argument(
        "--chunk-rows",
        type=int,
        default=CHUNK_ROWS,
        help=f"customers read at a time (default {CHUNK_ROWS:,}); lower it to use less memory",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.chunk_rows < 1:
        print(f"error: --chunk-rows={args.chunk_rows} must be at least 1.", file=sys.stderr)
        return 2
    try:
        model = load_model(args.model)
        summary = assign_file(
            model,
            args.input,
            args.output,
            args.chunk_rows,
            progress=lambda n: print(f"  {n:,} customers assigned", file=sys.stderr),
        )
    except SegmentationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"Assigned {summary.n_customers:,} customers to the segments of '{model.title}' in "
        f"{summary.seconds:.1f} s ({summary.n_chunks} chunk(s)); wrote {args.output}."
    )
    for name, count in sorted(summary.sizes.items(), key=lambda item: -item[1]):
        print(f"  {name}: {count:,}")
    if summary.ignored_columns:
        print(f"Ignored {len(summary.ignored_columns)} column(s) the segmentation does not use: "
              f"{', '.join(summary.ignored_columns)}.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
