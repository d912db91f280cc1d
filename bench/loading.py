"""Benchmarks of the upload path: read → infer types → detect orders → aggregate customers,
on the real data sets (``--data-dir``), the bundled sample and 2 million generated lines.

The .xlsx copy of Online Retail is generated once, by the parent before the child starts, into
``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import (
    CHILD_TIMEOUT_S,
    OUT_DIR,
    REPO_ROOT,
    RUNNER,
    SYNTHETIC_SEED,
    Case,
    Registry,
    clock,
    since,
    size_text,
)

ONLINE_RETAIL = "online_retail.csv.gz"
CDNOW = "cdnow_master.txt"
XLSX_CACHE = OUT_DIR / "online_retail.xlsx"
XLSX_GENERATOR_VERSION = 1  # bump to regenerate the cached workbook
SYNTHETIC_LINES = 2_000_000
SYNTHETIC_CUSTOMERS = 100_000
PIPELINE_MEASURE = "pipeline: load → infer → detect → aggregate"
END_TO_END_MEASURE = "end-to-end: load → infer → detect → customers_from_orders"

BENCHMARKS = Registry()


# --- the cached .xlsx input ------------------------------------------------------------------


def _xlsx_key(data_dir: Path) -> dict[str, object]:
    source = (data_dir / ONLINE_RETAIL).read_bytes()
    return {
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "generator_version": XLSX_GENERATOR_VERSION,
    }


def _xlsx_stamp() -> Path:
    return XLSX_CACHE.with_name(XLSX_CACHE.name + ".json")


def xlsx_is_current(data_dir: Path) -> bool:
    stamp = _xlsx_stamp()
    if not XLSX_CACHE.exists() or not stamp.exists():
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == _xlsx_key(data_dir)
    except (OSError, ValueError):
        return False


def write_online_retail_xlsx(data_dir: Path) -> None:
    """Write Online Retail as an .xlsx with typed cells, like the UCI original: numbers for
    numeric invoice and stock codes, quantities, prices and customer ids, real dates."""
    import pandas as pd
    from openpyxl import Workbook

    raw = pd.read_csv(data_dir / ONLINE_RETAIL, dtype=str, keep_default_na=False)

    def code(values: pd.Series) -> list[object]:
        return [int(v) if v.isdigit() else v for v in values]

    columns = [
        code(raw["InvoiceNo"]),
        code(raw["StockCode"]),
        [v or None for v in raw["Description"]],
        pd.to_numeric(raw["Quantity"]).astype(int).tolist(),
        list(pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S").dt.to_pydatetime()),
        pd.to_numeric(raw["UnitPrice"]).astype(float).tolist(),
        [float(v) if v else None for v in raw["CustomerID"]],
        raw["Country"].tolist(),
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Online Retail")
    sheet.append(list(raw.columns))
    for row in zip(*columns, strict=True):
        sheet.append(row)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = XLSX_CACHE.with_suffix(".partial.xlsx")
    workbook.save(partial)
    partial.replace(XLSX_CACHE)
    _xlsx_stamp().write_text(json.dumps(_xlsx_key(data_dir)), encoding="utf-8")


def prepare_xlsx(data_dir: Path) -> str | None:
    """Make sure the cached workbook exists; return an error message when it cannot be made."""
    if xlsx_is_current(data_dir):
        return None
    print(
        f"Generating {XLSX_CACHE.relative_to(REPO_ROOT)} with openpyxl (write-only mode); "
        "this takes a few minutes and happens once…",
        flush=True,
    )
    t0 = time.perf_counter()
    command = [
        sys.executable,
        str(RUNNER),
        "--prepare-xlsx",
        "--data-dir",
        str(data_dir),
    ]
    done = subprocess.run(command, cwd=REPO_ROOT, timeout=CHILD_TIMEOUT_S, check=False)
    if done.returncode != 0 or not xlsx_is_current(data_dir):
        return f"generating the .xlsx failed (exit status {done.returncode})"
    size = XLSX_CACHE.stat().st_size / 1024**2
    print(f"  written in {time.perf_counter() - t0:.0f} s ({size:,.1f} MB)", flush=True)
    return None


# --- the upload path ---------------------------------------------------------------------------


def _pipeline_once(case: Case, data: bytes, file_name: str) -> tuple:
    """One run of the upload path, timed stage by stage; returns its objects for checks."""
    from segmentation import (
        aggregate_orders,
        customers_from_orders,
        detect_orders,
        infer_schema,
        load_table,
    )

    t0 = clock()
    table = load_table(data, file_name)
    t1 = clock()
    typed = infer_schema(table.frame)
    t2 = clock()
    columns = detect_orders(typed)
    t3 = clock()
    if columns is None:
        raise SystemExit(f"{case.name}: detect_orders found no orders in {file_name}")
    summary = aggregate_orders(typed, columns)
    t4 = clock()
    customers = customers_from_orders(table, typed, columns)
    t5 = clock()
    case.add(PIPELINE_MEASURE, *since(t0, t4))
    case.add("  load_table", *since(t0, t1))
    case.add("  infer_schema", *since(t1, t2))
    case.add("  detect_orders", *since(t2, t3))
    case.add("  aggregate_orders", *since(t3, t4))
    case.add("  customers_from_orders (aggregates again + re-infers)", *since(t4, t5))
    read, aggregate = since(t0, t3), since(t4, t5)
    case.add(END_TO_END_MEASURE, read[0] + aggregate[0], read[1] + aggregate[1])
    return table, typed, columns, summary, customers


def _time_pipeline(case: Case, data: bytes, file_name: str) -> tuple:
    """Run the upload path ``case.repeat`` times; return the last run's objects for checks.

    Only the last run's objects are alive between runs, and they are dropped before the next
    run starts, so the peak memory is that of one run, whatever the number of repeats."""
    case.main = PIPELINE_MEASURE
    last = None
    for _ in range(case.repeat):
        last = None
        gc.collect()
        last = _pipeline_once(case, data, file_name)
    _, _, columns, summary, _ = last
    case.info.append(f"Detected mapping: {columns}")
    case.info.append(
        f"{summary.n_lines:,} lines → {summary.n_orders:,} orders → "
        f"{len(summary.customers):,} customers; left out: "
        + ("; ".join(f"{e.rows:,} {e.reason}" for e in summary.exclusions) or "nothing")
    )
    return last


@BENCHMARKS.case(
    "online_retail_pipeline",
    3.0,
    "UCI Online Retail .csv.gz bytes → load_table → infer_schema → detect_orders → "
    "aggregate_orders",
    needs_shared_data=True,
)
def case_online_retail_pipeline(case: Case) -> None:
    data = (case.data_dir / ONLINE_RETAIL).read_bytes()
    case.input_ready(f"{ONLINE_RETAIL}, 541,909 lines, {size_text(data)} gzip")
    *_, summary, customers = _time_pipeline(case, data, ONLINE_RETAIL)
    rfm = summary.customers
    if "12347" in rfm.index:
        frequency, monetary = int(rfm.at["12347", "frequency"]), float(rfm.at["12347", "monetary"])
        ok = frequency == 7 and abs(monetary - 4310.00) < 0.005
        case.check(
            ok,
            f"customer 12347: frequency {frequency} (expected 7), monetary "
            f"{monetary:,.2f} (expected 4,310.00)",
        )
    else:
        case.check(False, "customer 12347 is missing from the aggregated customers")
    case.check(
        len(customers.customers) == 4372, f"{len(customers.customers):,} customers (expected 4,372)"
    )


@BENCHMARKS.case(
    "online_retail_xlsx_load",
    15.0,
    "UCI Online Retail (the same 541,909 lines) as .xlsx bytes → load_table",
    needs_shared_data=True,
    prepare=prepare_xlsx,
)
def case_online_retail_xlsx_load(case: Case) -> None:
    from segmentation import load_table

    data = XLSX_CACHE.read_bytes()
    case.input_ready(f"{XLSX_CACHE.relative_to(REPO_ROOT)}, 541,909 lines, {size_text(data)}")
    case.main = "load_table (.xlsx, calamine)"
    shape = None
    for _ in range(case.repeat):
        gc.collect()
        t0 = clock()
        table = load_table(data, "online_retail.xlsx")
        case.add(case.main, *since(t0))
        shape = table.frame.shape
        del table
    case.check(shape == (541_909, 8), f"frame shape {shape} (expected (541909, 8))")


@BENCHMARKS.case(
    "cdnow_pipeline",
    1.0,
    "CDNOW master (whitespace separated) → load_table → infer_schema → detect_orders → "
    "aggregate_orders",
    needs_shared_data=True,
)
def case_cdnow_pipeline(case: Case) -> None:
    data = (case.data_dir / CDNOW).read_bytes()
    case.input_ready(f"{CDNOW}, 69,659 lines, {size_text(data)}")
    *_, customers = _time_pipeline(case, data, CDNOW)
    case.check(
        len(customers.customers) == 23_570,
        f"{len(customers.customers):,} customers (expected 23,570)",
    )


@BENCHMARKS.case("sample_load", 2.0, "load_sample(): the bundled Pet Dynamics customers + orders")
def case_sample_load(case: Case) -> None:
    from segmentation import load_sample
    from segmentation.data.dataset import SAMPLE_CUSTOMERS, SAMPLE_DIR, SAMPLE_ORDERS

    sizes = sum((SAMPLE_DIR / f).stat().st_size for f in (SAMPLE_CUSTOMERS, SAMPLE_ORDERS))
    case.input_ready(
        f"data/{SAMPLE_CUSTOMERS} + data/{SAMPLE_ORDERS}, {sizes / 1024**2:,.1f} MB on disk"
    )
    case.main = "load_sample()"
    data = None
    for _ in range(case.repeat):
        data = None
        gc.collect()
        t0 = clock()
        data = load_sample()
        case.add(case.main, *since(t0))
    n = data.report.n_customers
    case.check(n >= 5000, f"{n:,} customers (expected at least 5,000)")
    case.info.append(
        f"{n:,} customers × {len(data.schema.columns)} columns; {data.orders.n_lines:,} order lines"
    )


def synthetic_orders_csv(
    n_lines: int = SYNTHETIC_LINES,
    n_customers: int = SYNTHETIC_CUSTOMERS,
    seed: int = SYNTHETIC_SEED,
) -> bytes:
    """Seeded order lines as CSV bytes: order_id, customer_id, order_date, quantity,
    unit_price, country. About 5 lines per order; every customer has at least one order,
    order counts are skewed (Pareto), 2 % of orders are cancellations ("C" + id, negative
    quantities) and each customer lives in one of 20 countries."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n_orders = max(n_lines // 5, n_customers)
    extra_lines = rng.integers(0, n_orders, n_lines - n_orders)
    order_of_line = np.sort(np.concatenate([np.arange(n_orders), extra_lines]))
    weights = rng.pareto(1.5, n_customers) + 1.0
    customer_of_order = np.concatenate(
        [
            rng.permutation(n_customers),
            rng.choice(n_customers, n_orders - n_customers, p=weights / weights.sum()),
        ]
    )
    rng.shuffle(customer_of_order)
    seconds = np.sort(rng.integers(0, 2 * 365 * 86_400, n_orders))
    order_time = np.datetime64("2023-01-01T00:00:00", "s") + seconds.astype("timedelta64[s]")
    cancelled = rng.random(n_orders) < 0.02
    order_ids = [f"C{500_000 + i}" if c else f"{500_000 + i}" for i, c in enumerate(cancelled)]
    customer_ids = [f"{100_000 + i:06d}" for i in range(n_customers)]
    countries = [
        "United Kingdom",
        "Germany",
        "France",
        "Ireland",
        "Spain",
        "Netherlands",
        "Belgium",
        "Switzerland",
        "Portugal",
        "Australia",
        "Norway",
        "Italy",
        "Channel Islands",
        "Finland",
        "Cyprus",
        "Sweden",
        "Austria",
        "Denmark",
        "Japan",
        "Poland",
    ]
    country_p = np.array([60.0, *np.geomspace(8, 0.2, len(countries) - 1)])
    country_of_customer = rng.choice(len(countries), n_customers, p=country_p / country_p.sum())
    quantity = rng.integers(1, 13, n_lines)
    quantity[cancelled[order_of_line]] *= -1
    unit_price = np.round(np.clip(rng.lognormal(1.0, 0.8, n_lines), 0.1, None), 2)
    customer_of_line = customer_of_order[order_of_line]
    table = pa.table(
        {
            "order_id": pa.array(order_ids).take(pa.array(order_of_line)),
            "customer_id": pa.array(customer_ids).take(pa.array(customer_of_line)),
            "order_date": pa.array(order_time[order_of_line]),
            "quantity": pa.array(quantity),
            "unit_price": pa.array(unit_price),
            "country": pa.array(countries).take(pa.array(country_of_customer[customer_of_line])),
        }
    )
    out = io.BytesIO()
    out.write(b"order_id,customer_id,order_date,quantity,unit_price,country\n")
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return out.getvalue()


@BENCHMARKS.case(
    "synthetic_orders_2m",
    15.0,
    f"{SYNTHETIC_LINES:,} seeded synthetic order lines, {SYNTHETIC_CUSTOMERS:,} "
    "customers, CSV bytes in memory → load_table → … → aggregate_orders",
    heavy=True,
)
def case_synthetic_orders_2m(case: Case) -> None:
    t0 = time.perf_counter()
    data = synthetic_orders_csv()
    generated_in = time.perf_counter() - t0
    case.input_ready(
        f"synthetic CSV in memory, {SYNTHETIC_LINES:,} lines, "
        f"{SYNTHETIC_CUSTOMERS:,} customers, {size_text(data)} (seed {SYNTHETIC_SEED})"
    )
    case.info.append(
        f"Input generated in {generated_in:.1f} s (not timed); SHA-256 "
        f"{hashlib.sha256(data).hexdigest()[:16]}… (the same bytes on every run)."
    )
    *_, summary, customers = _time_pipeline(case, data, "synthetic_orders.csv")
    case.check(
        summary.n_lines == SYNTHETIC_LINES,
        f"{summary.n_lines:,} lines read (expected {SYNTHETIC_LINES:,})",
    )
    case.check(
        len(customers.customers) == SYNTHETIC_CUSTOMERS,
        f"{len(customers.customers):,} customers (expected {SYNTHETIC_CUSTOMERS:,})",
    )


# --- a wide file: meaning detection on 3,000 columns ---------------------------------------

WIDE_COLUMNS = 3_000
WIDE_ROWS = 2_000
MEANINGS_MEASURE = "meaning detection (infer_schema's per-column _detect)"
# (kind, name stems) of the generated columns, in turn: every tenth column is of each kind
_WIDE_KINDS = (
    ("float", ("spend", "balance", "score", "TotalCharges", "income")),
    ("float", ("MntItem", "avg_basket", "monthly_fee", "credit_limit", "amount")),
    ("count", ("num_visits", "orders", "NumWebPurchases", "items", "age")),
    ("money", ("Spend", "Revenue", "Lifetime value", "Total Spent", "Refunds")),
    ("category", ("region", "tier", "channel", "Segment", "pet_type")),
    ("category", ("plan", "status", "country", "language", "device")),
    ("category", ("household", "occupation", "education", "source", "brand")),
    ("date", ("signup_date", "last_order", "Created at", "date_of_birth", "first_seen")),
    ("email", ("email", "Email Address", "contact", "billing_email", "e-mail")),
    ("flag", ("accepts_marketing", "is_member", "Response", "churned", "Tags")),
)


def wide_table_csv(
    n_columns: int = WIDE_COLUMNS, n_rows: int = WIDE_ROWS, seed: int = SYNTHETIC_SEED
) -> bytes:
    """Seeded customers × ``n_columns`` columns as CSV bytes, every column a different name: in
    turn decimals, whole numbers, money written as text ($1,234.50), categories, dates (ISO or
    day first), e-mail addresses, yes/no flags and tag lists."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    levels = np.array(["North", "South", "East", "West", "Central", "Gold", "Silver", "Bronze"])
    users = np.array([f"user{i}" for i in range(n_rows)])
    columns = {}
    for j in range(n_columns):
        kind, stems = _WIDE_KINDS[j % len(_WIDE_KINDS)]
        stem = stems[(j // len(_WIDE_KINDS)) % len(stems)]
        name = f"{stem}_{j}"
        if kind == "float":
            values = pa.array(rng.lognormal(3, 1, n_rows).round(2)).cast(pa.string())
        elif kind == "count":
            values = pa.array(rng.integers(0, 50, n_rows)).cast(pa.string())
        elif kind == "money":
            values = pa.array([f"${v:,.2f}" for v in rng.lognormal(4, 1, n_rows)])
        elif kind == "category":
            values = pa.array(levels[rng.integers(0, 2 + j % 7, n_rows)])
        elif kind == "date":
            days = np.datetime64("2015-01-01") + rng.integers(0, 3000, n_rows).astype("m8[D]")
            text = np.datetime_as_string(days)
            day_first = [f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in text]
            values = pa.array(day_first if j % 20 == 7 else text)
        elif kind == "email":
            values = pa.array(np.char.add(users, f".{j}@example.com"))
        elif stem == "Tags":
            values = pa.array(np.where(rng.random(n_rows) < 0.3, "vip, newsletter", "new"))
        else:
            values = pa.array(np.where(rng.random(n_rows) < 0.5, "Yes", "No"))
        columns[name] = values
    out = io.BytesIO()
    pacsv.write_csv(pa.table(columns), out)
    return out.getvalue()


def _clear_name_caches() -> None:
    """Forget the words of column names, as a new upload with other names would find them."""
    from segmentation.data import meanings, words

    for cached in (
        meanings._name_hits,
        meanings._code_name,
        words.normalise_name,
        words.name_words,
        words.spelled_out,
        words.column_label,
        words.column_words,
    ):
        cached.cache_clear()


@BENCHMARKS.case(
    "wide_3000_meanings",
    5.0,
    f"{WIDE_COLUMNS:,} columns × {WIDE_ROWS:,} rows (numbers, money text, categories, dates, "
    "e-mails, flags; seeded): the meaning detection of infer_schema; the whole infer_schema "
    "reported beside it",
    heavy=True,
)
def case_wide_3000_meanings(case: Case) -> None:
    from segmentation import infer_schema, load_table
    from segmentation.data import schema as schema_module

    t0 = time.perf_counter()
    data = wide_table_csv()
    generated_in = time.perf_counter() - t0
    table = load_table(data, "wide.csv")
    case.input_ready(
        f"synthetic CSV in memory, {WIDE_COLUMNS:,} columns × {WIDE_ROWS:,} rows, "
        f"{size_text(data)} (seed {SYNTHETIC_SEED}), read by load_table (not timed)"
    )
    case.info.append(f"Input generated in {generated_in:.1f} s (not timed).")
    detect = schema_module._detect
    spent = [0.0, 0.0]

    def timed_detect(*args, **kwargs):  # the detection inside a real infer_schema run
        start = clock()
        guess = detect(*args, **kwargs)
        wall, cpu = since(start)
        spent[0] += wall
        spent[1] += cpu
        return guess

    case.main = MEANINGS_MEASURE
    typed = None
    schema_module._detect = timed_detect
    try:
        for _ in range(case.repeat):
            typed = None
            gc.collect()
            _clear_name_caches()
            spent[:] = [0.0, 0.0]
            t1 = clock()
            typed = infer_schema(table.frame)
            case.add("  infer_schema (types, meanings, roles, bases)", *since(t1))
            case.add(MEANINGS_MEASURE, *spent)
    finally:
        schema_module._detect = detect
    _check_wide_meanings(case, typed.schema)


WIDE_LOAD_MEASURE = "load_table → infer_schema (types, meanings, roles, bases)"


@BENCHMARKS.case(
    "wide_3000_load",
    5.0,
    f"{WIDE_COLUMNS:,} columns × {WIDE_ROWS:,} rows (the same seeded file as wide_3000_meanings) "
    "as CSV bytes → load_table → infer_schema: what the Data page does with a wide upload "
    "before it shows the columns; the customer table it then builds reported beside it",
    heavy=True,
)
def case_wide_3000_load(case: Case) -> None:
    from segmentation import infer_schema, load_table
    from segmentation.data.dataset import customers_from_table

    t0 = time.perf_counter()
    data = wide_table_csv()
    case.input_ready(
        f"synthetic CSV in memory, {WIDE_COLUMNS:,} columns × {WIDE_ROWS:,} rows, "
        f"{size_text(data)} (seed {SYNTHETIC_SEED})"
    )
    case.info.append(f"Input generated in {time.perf_counter() - t0:.1f} s (not timed).")
    case.main = WIDE_LOAD_MEASURE
    typed = None
    for _ in range(case.repeat):
        typed = None
        gc.collect()
        _clear_name_caches()
        t1 = clock()
        table = load_table(data, "wide.csv", max_mb=len(data) / 1024**2 + 1)
        t2 = clock()
        typed = infer_schema(table.frame)
        t3 = clock()
        case.add(WIDE_LOAD_MEASURE, *since(t1, t3))
        case.add("  load_table", *since(t1, t2))
        case.add("  infer_schema", *since(t2, t3))
        # the rest of the Data page's upload path (ui/state.read_upload): the customer table
        customers_from_table(table, typed)
        case.add("customer table (customers_from_table, not in the target)", *since(t3))
        case.add("whole upload path (load_table → customer table)", *since(t1))
        del table
    _check_wide_meanings(case, typed.schema)


def _check_wide_meanings(case: Case, schema) -> None:
    from collections import Counter

    meanings = Counter(c.meaning for c in schema.columns)
    kinds = Counter(c.kind for c in schema.columns)
    n_emails = sum(
        1 for name in schema.names if _WIDE_KINDS[int(name.rsplit("_", 1)[1]) % 10][0] == "email"
    )
    case.check(len(schema.columns) == WIDE_COLUMNS, f"{len(schema.columns):,} columns")
    case.check(
        meanings["email"] == n_emails, f"{meanings['email']} e-mail columns (expected {n_emails})"
    )
    case.check(kinds["datetime"] == WIDE_COLUMNS // 10, f"{kinds['datetime']} date columns")
    n_tags = WIDE_COLUMNS // 50
    case.check(meanings["tags"] == n_tags, f"{meanings['tags']} tag columns (expected {n_tags})")
    case.info.append("Meanings: " + ", ".join(f"{m} {n:,}" for m, n in meanings.most_common()))
    case.info.append("Kinds: " + ", ".join(f"{k} {n:,}" for k, n in kinds.most_common()))


# --- a platform export: 1,000,000 lines in the Shopify orders layout --------------------------

SHOPIFY_LINES = 1_000_000
SHOPIFY_CUSTOMERS = 150_000
SHOPIFY_CACHE = OUT_DIR / "shopify_orders_1m.csv"
SHOPIFY_GENERATOR_VERSION = 1  # bump to regenerate the cached export
LAYOUT_MEASURE = "end-to-end: load → infer + layout → suggest_orders → aggregate_orders"


def _shopify_stamp() -> Path:
    return SHOPIFY_CACHE.with_name(SHOPIFY_CACHE.name + ".truth.json")


def shopify_export_1m() -> tuple[bytes, dict]:
    """The seeded 1,000,000-line Shopify orders export and its truth, generated by the test
    fixtures' generator once and cached in ``bench/out/`` (git-ignored)."""
    key = {"version": SHOPIFY_GENERATOR_VERSION, "seed": SYNTHETIC_SEED, "lines": SHOPIFY_LINES}
    stamp = _shopify_stamp()
    if SHOPIFY_CACHE.exists() and stamp.exists():
        truth = json.loads(stamp.read_text(encoding="utf-8"))
        if truth.get("generated_with") == key:
            return SHOPIFY_CACHE.read_bytes(), truth
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests.platform_exports import shopify_orders

    export = shopify_orders(SYNTHETIC_SEED, n_customers=SHOPIFY_CUSTOMERS, n_lines=SHOPIFY_LINES)
    truth = {**export.truth, "generated_with": key}
    truth.pop("customers")  # 100,000+ keys; the totals are enough for the checks
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    SHOPIFY_CACHE.write_bytes(export.data)
    stamp.write_text(json.dumps(truth), encoding="utf-8")
    return export.data, truth


def _layout_pipeline_once(case: Case, data: bytes, file_name: str) -> tuple:
    from segmentation.data.layouts import infer_with_layout, suggest_orders
    from segmentation.data.loading import load_table
    from segmentation.data.orders import aggregate_orders

    t0 = clock()
    table = load_table(data, file_name, max_mb=len(data) / 1024**2 + 1)
    t1 = clock()
    typed, layout = infer_with_layout(table.frame)
    t2 = clock()
    columns = suggest_orders(typed)
    t3 = clock()
    summary = aggregate_orders(typed, columns)
    t4 = clock()
    case.add(LAYOUT_MEASURE, *since(t0, t4))
    case.add("  load_table", *since(t0, t1))
    case.add("  infer_schema + detect_layout + apply_layout", *since(t1, t2))
    case.add("  suggest_orders", *since(t2, t3))
    case.add("  aggregate_orders", *since(t3, t4))
    return layout, columns, summary


@BENCHMARKS.case(
    "shopify_1m",
    10.0,
    f"{SHOPIFY_LINES:,}-line Shopify orders export (seeded, tests/platform_exports.py: first-line "
    "order fields, DST offsets, statuses, refunds) as CSV bytes → load_table → infer_schema + "
    "layout → suggest_orders → aggregate_orders",
    heavy=True,
)
def case_shopify_1m(case: Case) -> None:
    t0 = time.perf_counter()
    data, truth = shopify_export_1m()
    case.input_ready(
        f"{SHOPIFY_CACHE.name}, {SHOPIFY_LINES:,} lines, {truth['n_orders']:,} orders that "
        f"count, {size_text(data)} (seed {SYNTHETIC_SEED}; cached in bench/out/)"
    )
    case.info.append(f"Input ready in {time.perf_counter() - t0:.1f} s (not timed).")
    case.main = LAYOUT_MEASURE
    last = None
    for _ in range(case.repeat):
        last = None
        gc.collect()
        last = _layout_pipeline_once(case, data, SHOPIFY_CACHE.name)
    layout, columns, summary = last
    case.check(getattr(layout, "key", None) == "shopify_orders", f"layout: {layout and layout.key}")
    case.check(summary.n_lines == SHOPIFY_LINES, f"{summary.n_lines:,} lines read")
    case.check(
        len(summary.customers) == truth["customer_count"],
        f"{len(summary.customers):,} customers (truth {truth['customer_count']:,})",
    )
    case.check(
        summary.n_orders == truth["n_orders"],
        f"{summary.n_orders:,} orders (truth {truth['n_orders']:,})",
    )
    case.info.append(f"Mapping pre-filled from the layout: {columns}")
    case.info.append(
        "Left out: " + ("; ".join(f"{e.rows:,} {e.reason}" for e in summary.exclusions) or "-")
    )
