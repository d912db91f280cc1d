"""Dates written any common way, read onto one timeline (naive UTC when values carry offsets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import OrderColumns, aggregate_orders, infer_schema
from segmentation.data import dates as dates_module
from segmentation.data.dates import is_date_name, read_dates, read_number_dates, read_text_dates


def typed(name: str, values: list[object]) -> tuple[pd.Series, str, tuple[str, ...]]:
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(values))], name: values})
    table = infer_schema(frame)
    return table.frame[name], table.schema.column(name).kind, table.notes


# (column name, values as written, the same instants in UTC, words of the note or "")
FORMATS = [
    (
        "Created at",  # Shopify: offsets, changing with daylight saving in one column
        ["2024-03-15 10:22:31 -0400", "2024-11-15 10:22:31 -0500"],
        ["2024-03-15 14:22:31", "2024-11-15 15:22:31"],
        "different UTC offsets (-0400, -0500)",
    ),
    (
        "updated_at",
        ["2024-03-15T10:22:31Z", "2024-03-15T10:22:31+02:00"],
        ["2024-03-15 10:22:31", "2024-03-15 08:22:31"],
        "converted to UTC",
    ),
    (
        "paid_at",
        ["2024-03-15T10:22:31.250Z", "2024-03-16T08:00:00Z"],
        ["2024-03-15 10:22:31.250", "2024-03-16 08:00:00"],
        "",
    ),
    (
        "ts",
        ["2024-03-15 10:22:31 UTC", "2024-03-16 00:00:00 UTC"],
        ["2024-03-15 10:22:31", "2024-03-16"],
        "",
    ),
    (
        "order_time",  # 12-hour clock, month first (15 > 12)
        ["3/15/2024 2:30 PM", "3/16/2024 11:05 AM"],
        ["2024-03-15 14:30", "2024-03-16 11:05"],
        "month first",
    ),
    ("when", ["Mar 15, 2024", "Sep 1, 2024"], ["2024-03-15", "2024-09-01"], ""),
    ("day", ["15 March 2024", "1 September 2024"], ["2024-03-15", "2024-09-01"], ""),
    ("day", ["15-Mar-24", "01-Sep-24"], ["2024-03-15", "2024-09-01"], ""),
    ("sent", ["Fri, 15 Mar 2024 10:22:31 -0400"], ["2024-03-15 14:22:31"], ""),
    ("joined", ["13/01/2011", "02/03/2011"], ["2011-01-13", "2011-03-02"], "day first"),
    ("joined", ["2010-12-01 08:26:00", "2011-01-13"], ["2010-12-01 08:26", "2011-01-13"], ""),
    (
        "created",
        ["1710498151", "1710584551"],
        ["2024-03-15 10:22:31", "2024-03-16 10:22:31"],
        "Unix seconds",
    ),
    (
        "created_ms",
        ["1710498151000", "1710584551000"],
        ["2024-03-15 10:22:31", "2024-03-16 10:22:31"],
        "Unix milliseconds",
    ),
    ("Order Date", ["45366", "45366.5"], ["2024-03-15", "2024-03-15 12:00"], "Excel serial"),
    ("date", ["19970101", "19970112"], ["1997-01-01", "1997-01-12"], "YYYYMMDD"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "values", "expected", "note"), FORMATS, ids=[f"{f[0]}:{f[1][0]}" for f in FORMATS]
)
def test_each_format_is_read_onto_one_timeline(name, values, expected, note) -> None:
    series, kind, notes = typed(name, values * 6)
    assert kind == "datetime"
    assert list(series[: len(expected)]) == [pd.Timestamp(v) for v in expected]
    assert series.dt.tz is None
    if note:
        assert any(note in n for n in notes), notes


def test_the_chosen_format_and_share_are_reported() -> None:
    values = [f"2024-03-{day:02d} 10:22:31 -0400" for day in range(1, 29)] + ["soon"]
    reading = read_text_dates(pd.Series(values, dtype="string"), "Created at")
    assert reading is not None and reading.format == "%Y-%m-%d %H:%M:%S %z"
    assert reading.share == pytest.approx(28 / 29)  # of the distinct values; "soon" is missing
    assert reading.values.isna().sum() == 1
    assert read_text_dates(pd.Series(values[:10] + ["soon"] * 1 + ["later"]), "d") is None


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("amount", ["45366", "45000"]),  # Excel-like numbers, but not named like a date
        ("lifetime_value", ["45366", "45000"]),  # "time" inside a word is not a date name
        ("customer_count", ["1710498151", "1710584551"]),  # Unix-like, not named like a date
        ("created", ["12", "45"]),  # named like a date, but no date range fits
        ("notes", ["meet on 2024-03-15 at noon", "call 3/15"]),
    ],
)
def test_numbers_and_text_that_are_not_dates_stay_what_they_are(name, values) -> None:
    _, kind, _ = typed(name, values * 6)
    assert kind != "datetime"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Created at", True),
        ("order_date", True),
        ("Profile Created On", True),
        ("ts", True),
        ("lifetime_value", False),
        ("recency_days", False),
        ("amount", False),
    ],
)
def test_date_names(name, expected) -> None:
    assert is_date_name(name) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1710498151", "1710584551"], "2024-03-15 10:22:31"),  # Unix seconds, any name
        (["45366", "45000"], "2024-03-15"),  # Excel serial days, any name
        (["Mar 15, 2024", "Sep 1, 2024"], "2024-03-15"),
        (["15.03.2024 14:30", "01.09.2024 08:00"], "2024-03-15 14:30"),
    ],
)
def test_a_column_mapped_by_hand_is_read_whatever_its_name(values, expected) -> None:
    reading = read_dates(pd.Series(values * 3), "stamp")
    assert reading is not None and reading.values.iloc[0] == pd.Timestamp(expected)


def test_a_column_mapped_by_hand_that_holds_no_dates_is_refused() -> None:
    assert read_dates(pd.Series(["North", "South"] * 3), "region") is None
    assert read_number_dates(pd.Series([1.5, 2.5]), "score", force=True) is None


def test_an_order_date_mapped_by_hand_is_not_refused_for_a_format_the_app_reads() -> None:
    raw = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b"],
            "stamp": ["1710498151", "1710584551", "1710670951", "1710757351"],
            "amount": ["10", "5", "7", "3"],
        }
    )
    table = infer_schema(raw, one_row_per_customer=False)
    assert table.schema.column("stamp").kind == "numeric"  # not named like a date
    summary = aggregate_orders(table, OrderColumns("customer", "stamp", amount="amount"))
    assert summary.period_start == pd.Timestamp("2024-03-15 10:22:31")
    assert summary.customers.loc["a", "frequency"] == 2


def test_excel_serial_days_read_from_a_workbook_are_dates() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "Created at": [45384.34, 45385.5, 45390.0],  # Shopify's .xlsx export
            "time": [30000.5, 41000.0, 52000.25],  # a duration named "time" stays a number
        }
    )
    table = infer_schema(frame)
    assert table.schema.column("Created at").kind == "datetime"
    assert table.frame["Created at"].iloc[0] == pd.Timestamp("2024-04-02 08:09:36")
    assert table.schema.column("time").kind == "numeric"


@pytest.mark.parametrize("fmt", sorted(dates_module._FIXED_DAYS))
def test_fixed_width_days_read_by_arrow_as_pandas_reads_them(fmt) -> None:
    """Day-first and month-first days in fixed widths are read by Arrow, which rolls impossible
    days over: the same dates and the same missing ones as pandas' own reading of the format."""
    rng = np.random.default_rng(5)
    n = 20_000
    days, months = rng.integers(0, 33, n), rng.integers(0, 14, n)
    years = rng.integers(1000, 10000, n)
    parts = zip(days, months, years, strict=True)
    sep = fmt[2]
    if fmt.startswith("%d"):
        written = [f"{d:02d}{sep}{m:02d}{sep}{y}" for d, m, y in parts]
    else:
        written = [f"{m:02d}{sep}{d:02d}{sep}{y}" for d, m, y in parts]
    leap = [f"29{sep}02{sep}2023", f"02{sep}29{sep}2024", f"29{sep}02{sep}2024"]
    values = pd.Series([*written, *leap, None], dtype="string")
    read = dates_module._fixed_days(values, fmt)
    expected = pd.to_datetime(values, format=fmt, errors="coerce").astype("datetime64[us]")
    pd.testing.assert_series_equal(read, expected, check_exact=True)
    assert 0 < read.isna().sum() < len(values)
