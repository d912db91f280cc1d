"""Customers drawn from the BG/NBD and Gamma-Gamma models with known parameters.

What the checks (the hold-out recovering known parameters, the eligibility thresholds) and the
benchmarks run on: the truth is known, so a fit can be judged against it. Time is in days;
the defaults are the CDNOW fits of the papers, converted from weeks to days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.predicting.bgnbd import BgNbdParams
from segmentation.predicting.gamma_gamma import GammaGammaParams
from segmentation.predicting.history import OrderHistory

CDNOW_DAILY = BgNbdParams(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)
CDNOW_SPEND = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
SIMULATION_START = pd.Timestamp("2024-01-01")


def simulate_orders(
    n_customers: int,
    seed: int = 0,
    orders: BgNbdParams = CDNOW_DAILY,
    spend: GammaGammaParams = CDNOW_SPEND,
    days: int = 730,
    joining_days: int = 365,
) -> OrderHistory:
    """Every order of ``n_customers`` customers who first buy during the first
    ``joining_days`` of a ``days``-long period starting on :data:`SIMULATION_START`.

    Each customer orders at a rate λ ~ Gamma(r, α) per day and, after each repeat order,
    leaves for good with a probability p ~ Beta(a, b); order values are Gamma(p, ν) with
    ν ~ Gamma(q, γ) per customer. Customers are ``C000001``, ``C000002``, …

    Examples
    --------
    >>> history = simulate_orders(1000, seed=3)
    >>> history.orders["customer"].nunique(), bool((history.orders["value"] > 0).all())
    (1000, True)
    """
    rng = np.random.default_rng(seed)
    first = rng.uniform(0, joining_days, n_customers)
    rate = rng.gamma(orders.r, 1 / orders.alpha, n_customers)
    leaves_after = rng.geometric(np.clip(rng.beta(orders.a, orders.b, n_customers), 1e-12, 1))
    n_possible = rng.poisson(rate * (days - first))
    owner = np.repeat(np.arange(n_customers), n_possible)
    times = first[owner] + rng.uniform(0, 1, owner.size) * (days - first)[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(n_possible) - n_possible, n_possible)
    kept = rank < leaves_after[owner]
    owner = np.concatenate([np.arange(n_customers), owner[kept]])
    times = np.concatenate([first, times[kept]])
    scale = 1 / rng.gamma(spend.q, 1 / spend.gamma, n_customers)
    values = np.round(rng.gamma(spend.p, scale[owner]), 2)
    frame = pd.DataFrame(
        {
            "customer": pd.array([f"C{i + 1:06d}" for i in owner], dtype="string"),
            "date": SIMULATION_START + pd.to_timedelta(np.floor(times * 1440), unit="min"),
            "value": values,
        }
    )
    return OrderHistory(frame.sort_values(["date", "customer"], ignore_index=True), "customer_id")
