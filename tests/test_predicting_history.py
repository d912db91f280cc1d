"""Orders turned into the models' inputs: the published CDNOW inputs, and hand-made toys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.history import (
    CDNOW_SAMPLE,
    OrderHistory,
    as_of_day,
    customer_inputs,
    load_order_history,
    order_history,
    read_order_history,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def toy_history(rows: list[tuple[str, str, float]]) -> OrderHistory:
    frame = pd.DataFrame(rows, columns=["customer", "date", "value"])
    frame["customer"] = frame["customer"].astype("string")
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    return OrderHistory(frame, "customer_id")


@pytest.fixture(scope="module")
def cdnow() -> OrderHistory:
    return load_order_history(CDNOW_SAMPLE.read_bytes(), CDNOW_SAMPLE.name)


def test_the_raw_cdnow_file_gives_the_published_inputs(cdnow):
    published = pd.read_csv(FIXTURES / "cdnow_sample_summary.csv")
    ours = customer_inputs(cdnow, "1997-09-30", "weeks").customers
    # the published ID numbers customers by first purchase day, then by customer id
    ours = ours.reset_index().sort_values(["first_order", "customer_id"], ignore_index=True)
    assert len(ours) == len(published) == 2357
    assert (ours["x"].to_numpy() == published["x"].to_numpy()).all()
    for column in ("t_x", "T", "zbar"):  # published to 2 decimals
        np.testing.assert_allclose(ours[column], published[column], atol=0.00501, rtol=0)


def test_the_cdnow_file_reads_as_orders(cdnow):
    assert cdnow.customer_column == "customer_id"
    # 6,919 lines; lines of one customer on one day are one order (the file has no order id)
    assert len(cdnow.orders) == 6696
    assert cdnow.first_date == pd.Timestamp("1997-01-01")
    assert cdnow.last_date == pd.Timestamp("1998-06-30")


def test_hand_computed_inputs():
    history = toy_history(
        [
            ("a", "2024-01-01 09:00", 10.0),
            ("a", "2024-01-01 17:00", 5.0),  # same day: one purchase of 15
            ("a", "2024-01-08", 20.0),
            ("a", "2024-01-15", -8.0),  # a return: not a purchase, lowers the value
            ("a", "2024-01-29", 0.0),  # a free order: a purchase with 0 spend
            ("b", "2024-01-10", 30.0),
            ("c", "2024-02-05", 12.0),  # after the as-of day: not scored
            ("d", "2024-01-02", -5.0),  # only a return: not scored
        ]
    )
    inputs = customer_inputs(history, "2024-01-29")
    c = inputs.customers
    assert list(c.index) == ["a", "b"]
    assert c.loc["a", ["x", "t_x", "T", "zbar", "historic_value"]].tolist() == [
        2,
        28.0,
        28.0,
        10.0,  # (20 + 0) / 2: the first day's 15 is left out
        27.0,  # 15 + 20 − 8 + 0
    ]
    assert c.loc["b", ["x", "t_x", "T", "zbar", "historic_value"]].tolist() == [
        0,
        0.0,
        19.0,
        0.0,
        30.0,
    ]
    assert (inputs.n_later, inputs.n_only_returns, inputs.n_not_scored) == (1, 1, 2)
    assert inputs.notes() == (
        "1 customers first bought after 29 Jan 2024 and are not scored.",
        "1 customers only returned or cancelled orders and are not scored.",
    )
    assert inputs.as_of == pd.Timestamp("2024-01-29")
    weeks = customer_inputs(history, "2024-01-29", "weeks").customers
    assert weeks.loc["a", "T"] == pytest.approx(4.0)


def test_default_as_of_is_the_last_order_day_and_returns_never_go_below_zero():
    history = toy_history([("a", "2024-01-01", 10.0), ("a", "2024-01-03 14:30", -25.0)])
    inputs = customer_inputs(history)
    assert inputs.as_of == pd.Timestamp("2024-01-03")
    assert inputs.customers.loc["a", "historic_value"] == 0.0
    assert inputs.customers.loc["a", "T"] == 2.0


def test_orders_are_made_the_way_the_data_page_makes_them():
    from segmentation.data.orders import OrderColumns, aggregate_orders
    from segmentation.data.schema import infer_schema

    raw = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b", None],
            "order": ["1", "1", "C2", "3", "4"],
            "date": ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-10", "2024-01-11"],
            "amount": ["10", "5", "-4", "7", "9"],
        }
    )
    typed = infer_schema(raw, one_row_per_customer=False)
    columns = OrderColumns("customer", "date", amount="amount", order_id="order")
    history = order_history(typed, columns)
    assert sorted(history.orders["value"].tolist()) == [-4.0, 7.0, 15.0]
    monetary = aggregate_orders(typed, columns).customers["monetary"]
    inputs = customer_inputs(history).customers
    assert inputs["historic_value"].to_dict() == monetary.to_dict()


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("not a date", r"as-of date 'not a date' is not a date\. Write it like 2011-09-30"),
        ("1996-12-31", r"31 Dec 1996 is before the first order \(01 Jan 1997\)"),
    ],
)
def test_bad_as_of_dates_are_named(cdnow, as_of, message):
    with pytest.raises(PredictionError, match=message):
        as_of_day(cdnow, as_of)


def test_unknown_time_unit(cdnow):
    with pytest.raises(PredictionError, match="time_unit='months' is not a time unit"):
        customer_inputs(cdnow, time_unit="months")


def test_missing_and_non_order_files(tmp_path):
    with pytest.raises(PredictionError, match=r"There is no orders file at '.*nowhere\.csv'"):
        read_order_history(tmp_path / "nowhere.csv")
    customers = tmp_path / "customers.csv"
    rows = "\n".join(f"C{i},{20 + i},North" for i in range(30))
    customers.write_text("customer_id,age,region\n" + rows + "\n")
    with pytest.raises(PredictionError, match=r"'customers\.csv' does not look like orders"):
        read_order_history(customers)
