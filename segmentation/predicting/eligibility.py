"""Which orders can carry a prediction: enough customers, repeat buyers, history and spend.

The thresholds come from measurement: customers drawn from the models with the CDNOW
parameters in days (:mod:`.simulation`, 20 draws per setting), fitted up to a cut and their
predicted orders of the next 365 days compared with the orders they then placed.

- Customers (365 days of history): with 250 customers (about 86 repeat customers) the median
  error was 17 % and the dropout parameters a and b ran off by factors up to 10^7; with
  :data:`MIN_CUSTOMERS` = 500 (about 174 repeat customers; Klaviyo asks for 500 too) the
  median error was 9.5 % and a, b stayed within a factor of 3–6 of the truth; 1,000: 7 %;
  10,000: 2 %. :data:`MIN_REPEAT_CUSTOMERS` = 150 keeps the repeat buyers near the 500-customer
  case, since a population of mostly one-time buyers carries as little as a small one.
- History (2,000 customers): with 60–120 days the next year was over-predicted by 10–15 %
  (median) and by 33–63 % at the 90th percentile; with :data:`MIN_HISTORY_DAYS` = 180 the
  median error was 11 % (90th percentile 23 %); 270 days: 9 %; 365 days: 7 %.
- Spend per order: the 90th percentile error of the Gamma-Gamma mean spend was 12 % with 86
  repeat customers, 10 % with 174 and 4 % with 681, so the repeat-customer threshold covers
  it; it needs some positive spend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError

if TYPE_CHECKING:
    from segmentation.predicting.history import CustomerInputs

MIN_CUSTOMERS = 500
MIN_REPEAT_CUSTOMERS = 150
MIN_HISTORY_DAYS = 180


class PredictionError(SegmentationError):
    """Orders that cannot carry a prediction, or prediction settings out of range."""


def eligibility_problems(
    inputs: CustomerInputs, today: pd.Timestamp | None = None
) -> tuple[str, ...]:
    """Every reason these customers cannot be predicted, each saying what is needed (or ())."""
    today = pd.Timestamp.now().normalize() if today is None else pd.Timestamp(today)
    customers = inputs.customers
    problems = [*_date_problems(inputs, today)]
    if len(customers) < MIN_CUSTOMERS:
        problems.append(
            f"{len(customers):,} customers have orders up to {inputs.as_of:%d %b %Y}; "
            f"predictions need at least {MIN_CUSTOMERS:,}. Add more customers' orders."
        )
    problems.extend(_spend_problems(customers))
    return tuple(problems)


def check_eligibility(inputs: CustomerInputs, today: pd.Timestamp | None = None) -> None:
    """Raise :class:`PredictionError` listing every problem, when there is one."""
    problems = eligibility_problems(inputs, today)
    if problems:
        raise PredictionError(" ".join(problems))


def _date_problems(inputs: CustomerInputs, today: pd.Timestamp) -> list[str]:
    start, as_of = inputs.period_start, inputs.as_of
    days = (as_of - start).days
    if days <= 0:
        return [
            f"Every order up to {as_of:%d %b %Y} is on that one day. Predicting when customers "
            f"buy again needs orders spread over at least {MIN_HISTORY_DAYS} days."
        ]
    problems = []
    if days < MIN_HISTORY_DAYS:
        problems.append(
            f"The orders cover {days} days ({start:%d %b %Y} to {as_of:%d %b %Y}); predictions "
            f"need at least {MIN_HISTORY_DAYS} days of history. Use a longer export."
        )
    if as_of > today:
        problems.append(
            f"The as-of date {as_of:%d %b %Y} is after today ({today:%d %b %Y}): orders dated "
            "in the future usually mean swapped day and month or test orders. Fix those dates, "
            "or choose an as-of date up to today."
        )
    return problems


def _spend_problems(customers: pd.DataFrame) -> list[str]:
    repeat = customers["x"].to_numpy() > 0
    spending = repeat & (customers["zbar"].to_numpy() > 0)
    if repeat.sum() < MIN_REPEAT_CUSTOMERS:
        return [
            f"{int(repeat.sum()):,} customers ordered again after their first order; predictions "
            f"need at least {MIN_REPEAT_CUSTOMERS:,} repeat customers (orders on two or more "
            "days). Use a longer history or more customers."
        ]
    if not np.any(customers["historic_value"].to_numpy() > 0):
        return [
            "Every order's amount is 0, so there is no spend to predict. Check that the amount "
            "column (or quantity × unit price) is the order value."
        ]
    if spending.sum() < MIN_REPEAT_CUSTOMERS:
        return [
            f"{int(spending.sum()):,} repeat customers spent more than 0 on their repeat orders; "
            f"the spend model needs at least {MIN_REPEAT_CUSTOMERS:,}. Check the amount column."
        ]
    return []
