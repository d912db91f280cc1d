"""Monitoring maths on a hand-made two-snapshot case, checked number by number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.charts.monitor import movement_sankey, share_change_chart
from segmentation.sharing.monitoring import (
    GONE,
    NEW,
    MonitorConfig,
    MonitorError,
    monitor,
    movements,
)

# Snapshot 1: a b c d e f g h (8 customers). Snapshot 2: a..g again, h gone, i j new.
BEFORE = pd.Series(
    {"a": "Loyal", "b": "Loyal", "c": "Loyal", "d": "Loyal",
     "e": "Lapsed", "f": "Lapsed", "g": "New buyers", "h": "New buyers"}
)  # fmt: skip
AFTER = pd.Series(
    {"a": "Loyal", "b": "Loyal", "c": "Lapsed", "d": "Lapsed",
     "e": "Lapsed", "f": "Loyal", "g": "Loyal", "i": "New buyers", "j": "New buyers"}
)  # fmt: skip
BEFORE_FRAME = pd.DataFrame(
    {
        "spend": [100, 120, 110, 130, 20, 30, 50, 60],
        "channel": ["email", "email", "email", "email", "shop", "shop", "app", "app"],
    },
    index=list("abcdefgh"),
)
AFTER_FRAME = pd.DataFrame(
    {
        "spend": [100, 120, 40, 40, 20, 130, 110, 55, 65],
        "channel": ["email", "email", "shop", "shop", "shop", "email", "email", "app", "app"],
    },
    index=list("abcdefgij"),
)


def test_movements_count_every_customer_once():
    moved = movements(BEFORE, AFTER)
    expected = pd.DataFrame(
        [[2, 2, 0, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 2, 0]],
        index=["Loyal", "Lapsed", "New buyers", NEW],
        columns=["Loyal", "Lapsed", "New buyers", GONE],
    )
    pd.testing.assert_frame_equal(moved.counts, expected, check_names=False, check_dtype=False)
    assert (moved.n_before, moved.n_after, moved.n_both, moved.n_stayed) == (8, 9, 7, 3)
    assert moved.stayed_share == pytest.approx(3 / 7)
    assert moved.row_shares().loc["Loyal"].tolist() == [0.5, 0.5, 0.0, 0.0]
    assert int(moved.counts.to_numpy().sum()) == 10  # 7 matched + 2 new + 1 gone


def test_size_and_profile_drift_by_hand():
    report = monitor(BEFORE_FRAME, BEFORE, AFTER_FRAME, AFTER, ["spend", "channel"])
    by_name = {d.segment: d for d in report.drift}
    loyal = by_name["Loyal"]
    # Loyal: 4 of 8 (50 %) → 4 of 9 (44.4 %): −5.6 points, flagged at the default 5 points.
    assert (loyal.customers_before, loyal.customers_after) == (4, 4)
    assert loyal.share_change_points == pytest.approx(100 * (4 / 9 - 0.5))
    # spend: mean 115 → (100+120+130+110)/4 = 115: no shift; channel: all email → all email.
    assert loyal.profile_shifts["spend"] == pytest.approx(0.0)
    assert loyal.profile_shifts["channel"] == pytest.approx(0.0)
    assert loyal.flagged and loyal.reasons == ("shrank from 50% to 44% of customers (-5.6 points)",)
    lapsed = by_name["Lapsed"]
    # Lapsed spend: mean 25 → (40+40+20)/3 = 33.33; sd of all spend before (n−1) is 43.22.
    sd = float(np.std([100, 120, 110, 130, 20, 30, 50, 60], ddof=1))
    assert lapsed.profile_shifts["spend"] == pytest.approx((100 / 3 - 25) / sd)
    assert lapsed.profile_shifts["channel"] == pytest.approx(0.0)  # shop → shop
    assert lapsed.share_change_points == pytest.approx(100 * (3 / 9 - 2 / 8))
    assert "grew from 25% to 33% of customers (+8.3 points)" in lapsed.reasons
    buyers = by_name["New buyers"]
    assert buyers.profile_shifts["spend"] == pytest.approx((60 - 55) / sd)
    assert not buyers.flagged  # 25 % → 22 %: −2.8 points, spend +0.12 sd
    assert [d.segment for d in report.flagged] == ["Loyal", "Lapsed"]


def test_profile_shift_flags_and_category_distance():
    after_frame = AFTER_FRAME.copy()
    after_frame.loc[["i", "j"], "channel"] = ["email", "shop"]  # app, app → email, shop
    config = MonitorConfig(size_threshold=50, profile_threshold=0.5)
    report = monitor(BEFORE_FRAME, BEFORE, after_frame, AFTER, ["spend", "channel"], config)
    buyers = next(d for d in report.drift if d.segment == "New buyers")
    assert buyers.profile_shifts["channel"] == pytest.approx(1.0)  # nothing in common
    assert buyers.reasons == ("profile moved on channel (+1.00)",)
    table = report.drift_table()
    assert table.set_index("segment").loc["New buyers", "largest profile shift"] == "channel"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size_threshold": 0}, r"size_threshold=0 must be between 0 and 100"),
        ({"profile_threshold": -1}, r"profile_threshold=-1 must be above 0"),
    ],
)
def test_thresholds_are_checked(kwargs, match):
    with pytest.raises(MonitorError, match=match):
        MonitorConfig(**kwargs)


def test_bad_snapshots_get_clear_messages():
    with pytest.raises(MonitorError, match="second snapshot has no customers"):
        movements(BEFORE, pd.Series(dtype=str))
    twice = pd.concat([AFTER, pd.Series({"a": "Loyal"})])
    with pytest.raises(MonitorError, match="Customer id 'a' appears more than once in the second"):
        movements(BEFORE, twice)
    with pytest.raises(MonitorError, match="features age are not in both snapshots"):
        monitor(BEFORE_FRAME, BEFORE, AFTER_FRAME, AFTER, ["age"])


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(0, 40), st.sampled_from("ABC"), min_size=1, max_size=30),
    st.dictionaries(st.integers(0, 40), st.sampled_from("ABCD"), min_size=1, max_size=30),
)
def test_every_customer_is_counted_once(before, after):
    moved = movements(pd.Series(before), pd.Series(after))
    assert int(moved.counts.to_numpy().sum()) == len(set(before) | set(after))
    assert moved.counts.drop(index=NEW, errors="ignore").sum(axis=1).sum() == len(before)
    assert moved.counts.drop(columns=GONE, errors="ignore").sum().sum() == len(after)


def test_figures_build():
    report = monitor(BEFORE_FRAME, BEFORE, AFTER_FRAME, AFTER, ["spend", "channel"])
    sankey = movement_sankey(report.movements)
    assert sum(sankey.data[0].link.value) == 10
    assert len(share_change_chart(report).data) == 3


def test_the_sample_as_of_an_earlier_date():
    from segmentation import load_sample
    from segmentation.sharing.monitoring import sample_as_of

    today = load_sample().customers
    earlier = sample_as_of(pd.Timestamp("2025-10-31"), today)
    assert 0 < len(earlier) < len(today)
    assert (earlier["first_order"] <= pd.Timestamp("2025-10-31 23:59:59")).all()
    both = earlier.set_index("customer_id").join(
        today.set_index("customer_id")[["frequency", "age"]].add_suffix("_today")
    )
    assert (both["frequency"] <= both["frequency_today"]).all()
    assert both["age"].equals(both["age_today"])  # descriptive columns are kept as they are
    with pytest.raises(MonitorError, match="must fall within the orders, 01 Nov 2024 to"):
        sample_as_of(pd.Timestamp("2020-01-01"), today)


def test_snapshot_predictions_replace_the_ones_it_carries_and_name_what_is_missing():
    from segmentation.predicting.predictions import predict_customers
    from segmentation.predicting.simulation import simulate_orders
    from segmentation.sharing.monitoring import with_snapshot_predictions

    predictions = predict_customers(simulate_orders(600, seed=3))
    ids = list(predictions.customers.index[:3])
    frame = pd.DataFrame({"id": [*ids, "new"], "churn_risk": [9.0, 9.0, 9.0, 9.0]})
    rescored = with_snapshot_predictions(frame, "id", ["churn_risk"], predictions, ["churn_risk"])
    expected = predictions.customers["churn_risk"].round(4).loc[ids].tolist()
    assert rescored["churn_risk"].iloc[:3].tolist() == expected  # recomputed, not carried
    assert pd.isna(rescored["churn_risk"].iloc[3])  # not in the orders: no prediction
    carried = with_snapshot_predictions(frame, "id", ["churn_risk"], None, ["churn_risk"])
    assert carried is frame  # no orders: the snapshot's own columns are used
    with pytest.raises(MonitorError, match=r"does not have: churn_risk_level\. Predictions are"):
        with_snapshot_predictions(frame, "id", ["churn_risk_level"], None, ["churn_risk_level"])
