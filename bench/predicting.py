"""Benchmark of predictions: fit BG/NBD and Gamma-Gamma and predict 100,000 customers.

The orders are drawn from the two models with the CDNOW parameters (in days), so the check
can compare the fitted parameters with the truth.
"""

from __future__ import annotations

import gc

from bench.harness import SYNTHETIC_SEED, Case, Registry, clock, since

PREDICT_CUSTOMERS = 100_000

BENCHMARKS = Registry()


@BENCHMARKS.case(
    "predict_100k",
    3.0,
    f"{PREDICT_CUSTOMERS:,} generated customers' orders (2 years): model inputs, BG/NBD and "
    "Gamma-Gamma fitted by maximum likelihood, every customer predicted (predict_customers)",
)
def case_predict_100k(case: Case) -> None:
    from segmentation.predicting.history import customer_inputs
    from segmentation.predicting.predictions import (
        PredictionConfig,
        fit_model,
        predict_customers,
        score_customers,
    )
    from segmentation.predicting.simulation import CDNOW_DAILY, simulate_orders

    history = simulate_orders(PREDICT_CUSTOMERS, seed=SYNTHETIC_SEED)
    case.input_ready(f"{len(history.orders):,} generated orders of {PREDICT_CUSTOMERS:,} customers")
    case.main = "predict_customers: inputs → fit both models → predict"
    predictions = None
    for _ in range(case.repeat):
        predictions = None
        gc.collect()
        t0 = clock()
        inputs = customer_inputs(history)
        case.add("  customer_inputs (x, t_x, T, spend per customer)", *since(t0))
        t1 = clock()
        model = fit_model(inputs)
        case.add("  fit_model (BG/NBD + Gamma-Gamma)", *since(t1))
        t1 = clock()
        score_customers(model, inputs, PredictionConfig())
        case.add("  score_customers (every column)", *since(t1))
        gc.collect()
        t0 = clock()
        predictions = predict_customers(history)
        case.add(case.main, *since(t0))
    fitted = predictions.model.parameters()
    case.check(len(predictions.customers) == PREDICT_CUSTOMERS, "every customer predicted")
    case.check(
        abs(fitted["r"] / CDNOW_DAILY.r - 1) < 0.1
        and abs(fitted["alpha"] / CDNOW_DAILY.alpha - 1) < 0.1,
        "the fit recovers the simulated order rate (r and α within 10 %)",
    )
    case.info.append("fitted " + ", ".join(f"{k} = {v:.4g}" for k, v in fitted.items()))
