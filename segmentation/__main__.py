"""Command line: ``python -m segmentation assign MODEL INPUT OUTPUT`` and ``predict``.

``assign`` applies a segmentation exported from the app ("Download model" on the Monitor
page) to a CSV file of customers with the same columns, reading it in chunks so files larger
than memory work, and writes one ``customer id, segment`` row per customer.

``predict INPUT OUTPUT.csv [--as-of DATE] [--horizon-days N]`` reads an orders file as the
Data page does, fits the BG/NBD and Gamma-Gamma models on the orders up to DATE, writes one
row of predictions per customer and prints the fitted parameters as one JSON object.

``customers INPUT [MORE_INPUTS...] OUTPUT.csv [--report REPORT.json]`` does what the Data page
does with its suggestions accepted: each input read and its platform layout detected, orders
turned into customers with the suggested mapping, several inputs joined on the customer key;
it writes one row per customer, the customer key first, and the report names each file's
layout, every output column's meaning, the currency, the exclusions and how the files matched.

``assign`` on a Dask cluster or into Parquet, and ``aggregate-orders`` (DuckDB or Dask), are in
:mod:`segmentation.sharing.engines.commands`.

``sample``, ``fit`` and ``check-sample`` (a sample of a large dataset, the Segments page's first
segmentation of it saved as a model, and whether the sample was big enough) are in
:mod:`segmentation.sharing.sample_commands`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from segmentation.data.build import build_customers, customer_file_table, customers_report
from segmentation.errors import SegmentationError
from segmentation.predicting.history import read_order_history
from segmentation.predicting.predictions import (
    HORIZON_DAYS,
    PredictionConfig,
    predict_customers,
    prediction_file_table,
)
from segmentation.sharing.engines.commands import COMMANDS as ENGINE_COMMANDS
from segmentation.sharing.engines.commands import add_assign_options, assign_main
from segmentation.sharing.engines.commands import add_commands as add_engine_commands
from segmentation.sharing.reuse import CHUNK_ROWS
from segmentation.sharing.sample_commands import COMMANDS as MODEL_COMMANDS
from segmentation.sharing.sample_commands import add_commands as add_model_commands
from segmentation.targeting.spreadsheets import write_csv

CLI_MAX_MB = 4_000  # files on disk, not uploads: read what fits in memory


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m segmentation",
        description="Segment Studio from the command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    assign = commands.add_parser(
        "assign",
        help="put every customer of a dataset into the segments of an exported model",
        description="Put every customer of INPUT (a CSV/Parquet file, a folder, a glob or an "
        "s3:// URL) into the segments of MODEL and write OUTPUT: a Parquet dataset (customer "
        "key, segment id, segment name), or a CSV file when OUTPUT ends with .csv. Only load "
        "model files you made or trust.",
    )
    assign.add_argument("model", help="model file saved from the app (.joblib)")
    assign.add_argument("input", help="customers with the original columns: file, folder, glob")
    assign.add_argument("output", help="Parquet dataset folder to write (or a .csv file)")
    assign.add_argument(
        "--chunk-rows",
        type=int,
        default=CHUNK_ROWS,
        help=f"customers read at a time (default {CHUNK_ROWS:,}); lower it to use less memory",
    )
    add_assign_options(assign)  # --workers N | --scheduler ADDRESS
    _add_predict(commands)
    _add_customers(commands)
    add_model_commands(commands)  # sample, fit, check-sample
    add_engine_commands(commands)  # aggregate-orders
    return parser


def _add_predict(commands: argparse._SubParsersAction) -> None:
    predict = commands.add_parser(
        "predict",
        help="predict each customer's orders, churn risk and value from an orders file",
        description="Fit the BG/NBD (orders) and Gamma-Gamma (spend) models on the orders of "
        "INPUT up to --as-of, write one row per customer to OUTPUT and print the fitted "
        "parameters (per day) as JSON.",
    )
    predict.add_argument("input", help="orders file: one row per order or order line")
    predict.add_argument("output", help="CSV to write: customer key and predictions")
    predict.add_argument(
        "--as-of", help="fit on orders up to this day, e.g. 2011-09-30 (default: last order day)"
    )
    predict.add_argument(
        "--horizon-days",
        type=int,
        default=HORIZON_DAYS,
        help=f"days ahead for expected orders and CLV, 30–730 (default {HORIZON_DAYS})",
    )


def predict_main(args: argparse.Namespace) -> int:
    """``predict``: predictions to OUTPUT, the parameters as JSON on stdout, notes on stderr."""
    try:
        config = PredictionConfig(horizon_days=args.horizon_days, as_of=args.as_of)
        predictions = predict_customers(read_order_history(args.input), config)
    except SegmentationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        write_csv(prediction_file_table(predictions), args.output)
    except OSError as err:
        print(
            f"error: cannot write '{args.output}' ({err.strerror}). Check the folder.",
            file=sys.stderr,
        )
        return 2
    model = predictions.model
    print(json.dumps(model.parameters()))
    print(
        f"Predicted {len(predictions.customers):,} customers from their orders up to "
        f"{model.as_of:%Y-%m-%d} over the next {config.horizon_days} days; wrote {args.output}.",
        file=sys.stderr,
    )
    for note in predictions.notes:
        print(note, file=sys.stderr)
    return 0


def _add_customers(commands: argparse._SubParsersAction) -> None:
    customers = commands.add_parser(
        "customers",
        help="one customer table from customer and orders files, as the Data page makes it",
        description="Read each INPUT (customers or orders; platform layouts recognised), turn "
        "orders into customers with the suggested mapping, join several inputs on the customer "
        "key (e-mail or id) and write one row per customer to OUTPUT.csv, the key first.",
    )
    customers.add_argument(
        "files",
        nargs="+",
        metavar="INPUT [MORE_INPUTS ...] OUTPUT.csv",
        help="one or more input files (CSV, TSV, Excel, Parquet; .gz too), then the CSV to write",
    )
    customers.add_argument(
        "--report",
        metavar="REPORT.json",
        help="also write a JSON report: layouts, column meanings, currency, exclusions, match",
    )


def customers_main(args: argparse.Namespace) -> int:
    """``customers``: the customer table to OUTPUT, the report to --report, a summary on
    stderr."""
    if len(args.files) < 2:
        print("error: give at least one input file and the output CSV.", file=sys.stderr)
        return 2
    *inputs, output = args.files
    try:
        built = build_customers(inputs, max_mb=CLI_MAX_MB)
    except SegmentationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        write_csv(customer_file_table(built.data), output)
        if args.report:
            with open(args.report, "w", encoding="utf-8") as report:
                json.dump(customers_report(built), report, indent=2, ensure_ascii=False)
    except OSError as err:
        print(f"error: cannot write '{err.filename}' ({err.strerror}). Check the folder.",
              file=sys.stderr)  # fmt: skip
        return 2
    data = built.data
    print(f"Wrote {data.report.n_customers:,} customers to {output} from "
          f"{len(inputs)} file(s).", file=sys.stderr)  # fmt: skip
    for match in built.matches:
        print(f"  {match.matched.count:,} matched, {match.only_profiles.count:,} only in "
              f"{match.profiles_name}, {match.only_orders.count:,} only in {match.orders_name}.",
              file=sys.stderr)  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "predict":
        return predict_main(args)
    if args.command == "customers":
        return customers_main(args)
    if args.command in MODEL_COMMANDS:
        return MODEL_COMMANDS[args.command](args)
    if args.command in ENGINE_COMMANDS:
        return ENGINE_COMMANDS[args.command](args)
    return assign_main(args)


if __name__ == "__main__":
    sys.exit(main())
