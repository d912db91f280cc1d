"""The modelling commands of ``python -m segmentation``: ``sample``, ``fit``, ``check-sample``.

``__main__`` registers them with :func:`add_commands` and runs them with :data:`COMMANDS`.
Each prints its result on stdout, notes on stderr, and returns 2 with a message naming the
problem for bad input (the package's :class:`~segmentation.errors.SegmentationError` family).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from segmentation.sharing.command_line import Command, fail, reports_bad_input, too_small
from segmentation.sharing.sample_check import EVAL_ROWS, THRESHOLDS, check_report, check_sample
from segmentation.sharing.sampling import BATCH_ROWS


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``sample``, ``fit`` and ``check-sample`` to the command line."""
    _add_sample(commands)
    _add_fit(commands)
    _add_check(commands)


def _add_sample(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser(
        "sample",
        help="a reproducible uniform or stratified sample of a large customer dataset",
        description="Draw --rows rows of DATASET (a CSV/Parquet file, a folder of them or a "
        "glob), uniformly or proportionally by --strata, reading it in batches so datasets "
        "larger than memory work. Writes OUT.parquet with the design (N, n, seed, strata) in "
        "its metadata and prints the design as JSON. The same seed gives the same rows.",
    )
    sample.add_argument("dataset", help="CSV/Parquet file, folder or glob (quote the glob)")
    sample.add_argument("output", help="Parquet file to write")
    sample.add_argument("--rows", type=int, required=True, help="rows to draw, e.g. 100000")
    sample.add_argument("--seed", type=int, default=0, help="seed of the draw (default 0)")
    sample.add_argument("--strata", nargs="+", default=(), metavar="COL",
                        help="sample each combination of these columns in proportion")  # fmt: skip
    sample.add_argument("--batch-rows", type=int, default=BATCH_ROWS,
                        help=f"rows read at a time (default {BATCH_ROWS:,})")  # fmt: skip


@reports_bad_input
def sample_main(args: argparse.Namespace) -> int:
    """``sample``: the sample to OUTPUT, its design as JSON on stdout, notes on stderr."""
    from segmentation.sharing.sampling import draw_sample, write_sample

    if message := too_small(args, "batch_rows"):
        return fail(message)
    if not _folder_exists(args.output):
        return fail(_no_folder(args.output))
    sample = draw_sample(args.dataset, args.rows, args.seed, args.strata, args.batch_rows)
    write_sample(sample, args.output)
    for note in sample.notes:
        print(f"note: {note}", file=sys.stderr)
    print(sample.design.to_json())
    design = sample.design
    print(f"Wrote {design.size:,} of {design.population:,} rows to {args.output} "
          f"({design.method}, seed {design.seed}).", file=sys.stderr)  # fmt: skip
    return 0


def _add_fit(commands: argparse._SubParsersAction) -> None:
    fit = commands.add_parser(
        "fit",
        help="make the Segments page's first segmentation of a file and save its model",
        description="Read INPUT as the Data page does (orders turned into customers with the "
        "suggested mapping), segment it as the Segments page does on a first visit (k-means "
        "on every usable feature, the recommended number of segments unless --k, persona "
        "names) and save MODEL, the file the Monitor page's 'Download model' writes.",
    )
    fit.add_argument("input", help="customers or orders file (CSV, Excel, Parquet; .gz too)")
    fit.add_argument("model", help="model file to write (.joblib)")
    fit.add_argument("--k", type=int, help="number of segments (default: the recommended one)")


@reports_bad_input
def fit_main(args: argparse.Namespace) -> int:
    """``fit``: the model to MODEL; k, segment sizes and names on stdout."""
    from segmentation.sharing.fitting import fit_file
    from segmentation.sharing.reuse import save_model

    if not _folder_exists(args.model):  # say so before the fitting, not after
        return fail(_no_folder(args.model))
    try:
        fitted = fit_file(args.input, args.k)
        save_model(fitted.model, args.model)
    except OSError as err:
        return fail(f"cannot write '{args.model}' ({err.strerror}). Check the folder.")
    segmentation = fitted.segmentation
    how = "given with --k" if fitted.diagnostics is None else fitted.diagnostics.reason
    print(f"Fitted '{segmentation.title}' on {len(fitted.data.customers):,} customers of "
          f"{args.input}; wrote {args.model}.")  # fmt: skip
    print(f"k = {segmentation.n_segments} ({how})")
    for name, count in segmentation.sizes().items():
        print(f"  {name}: {count:,} ({count / len(segmentation.labels):.1%})")
    return 0


def _add_check(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check-sample",
        help="was the model's sample big enough? refit on an independent sample and compare",
        description="Draw an independent sample of DATASET (another seed; the size and strata "
        "of MODEL's training sample unless --rows), make the same segmentation on it, apply "
        "both models to a large subset of DATASET and report their agreement in plain words. "
        f"Big enough means: {THRESHOLDS}.",
    )
    check.add_argument("model", help="model file written by 'fit'")
    check.add_argument("dataset", help="the CSV/Parquet file, folder or glob sampled from")
    check.add_argument("--rows", type=int, help="size of the independent sample")
    check.add_argument("--seed", type=int, help="its seed (default: the model sample's + 1)")
    check.add_argument(
        "--eval-rows",
        type=int,
        default=EVAL_ROWS,
        help=f"customers to compare the models on (default {EVAL_ROWS:,})",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object instead")


@reports_bad_input
def check_main(args: argparse.Namespace) -> int:
    """``check-sample``: the report (or ``--json``) on stdout."""
    from segmentation.sharing.reuse import load_model

    if message := too_small(args, "rows", "eval_rows"):
        return fail(message)
    model = load_model(args.model)
    result = check_sample(model, args.dataset, args.rows, args.seed, args.eval_rows)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(check_report(result, args.dataset))
    return 0


def _folder_exists(path: str) -> bool:
    return Path(path).resolve().parent.is_dir()


def _no_folder(path: str) -> str:
    return (
        f"cannot write '{path}': the folder '{Path(path).parent}' does not exist. Create it or "
        "choose another path."
    )


COMMANDS: dict[str, Command] = {
    "sample": sample_main,
    "fit": fit_main,
    "check-sample": check_main,
}
