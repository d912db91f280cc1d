"""Predictions and the hold-out check computed in the background, shared and bounded.

Fitting takes about half a second for the sample, a second or more for 100,000 customers on a
busy server; it never runs in the page's script. :func:`request` hands the work to a worker
thread and returns what is finished plus the running job, whose steps the page shows while the
rest of the app stays usable. Results are kept in bounded caches shared by every session, keyed
by a hash of the orders' content and the settings (never by Streamlit's sampled DataFrame
hash); so are the messages for orders that cannot be predicted, which the same orders and
settings always give again. The same work is never started twice; a session that moves on to
other settings withdraws its interest in a queued job, which is then dropped before it starts.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import streamlit as st

from segmentation import CustomerData
from segmentation.predicting.columns import prediction_columns, with_predictions
from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.history import OrderHistory, data_order_history
from segmentation.predicting.holdout import HoldoutCheck, HoldoutConfig, holdout_check
from segmentation.predicting.predictions import (
    PREDICTION_STEPS,
    PredictionConfig,
    Predictions,
    predict_customers,
)
from segmentation.predicting.settings import PredictionSettings
from ui.background_jobs import session_id, withdraw
from ui.cache import BoundedCache, content_key

HOLDOUT_STEP = "Refitting without the held-out months (hold-out check)"
TABLE_CONFIG = "pred_table_config"  # settings of the prediction columns in the active data
PAGE_SETTINGS = "pred_page_settings"  # (data content hash, the page's last settings as a dict)
HORIZON, DISCOUNT, AS_OF, HOLDOUT = "pred_horizon", "pred_discount", "pred_as_of", "pred_holdout"
MAX_WORKERS = 2
_PREDICTIONS = BoundedCache(max_entries=6)  # key → Predictions | PredictionError
_CHECKS = BoundedCache(max_entries=6)  # key → HoldoutCheck | PredictionError
_JOBS: dict[str, PredictionJob] = {}
_LOCK = threading.Lock()
_EXECUTOR = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="predictions")


@dataclass
class PredictionJob:
    """Predictions and/or a hold-out check being computed, and the sessions waiting for them."""

    key: str
    steps: tuple[str, ...]
    step: int = -1  # index in ``steps`` of the step running; -1: waiting for a worker
    predicted: bool = False  # whether the predictions (or their message) are ready
    share: float = 0.0
    started: float = field(default_factory=time.monotonic)
    sessions: set[str] = field(default_factory=set)
    future: Future | None = None

    def report(self, share: float, text: str) -> None:
        """Progress: the step ``text`` starts with ``share`` of the job done."""
        self.share = min(max(share, 0.0), 1.0)
        if text in self.steps:
            self.step = self.steps.index(text)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class PredictionOutcome:
    """What is ready for one set of settings: each result, or the message saying why there is
    none; ``job`` is the work still running (None once everything is ready)."""

    predictions: Predictions | None = None
    prediction_error: PredictionError | None = None
    check: HoldoutCheck | None = None
    check_error: PredictionError | None = None
    job: PredictionJob | None = None


def orders_key(history: OrderHistory) -> str:
    """A hash of the orders' content: the start of the key of everything fitted on them."""
    return content_key(history.orders, index=False, extra=history.customer_column)


def _keys(history: OrderHistory, config: PredictionConfig, holdout: HoldoutConfig) -> tuple:
    orders = orders_key(history)
    return (
        orders + json.dumps(config.to_dict(), sort_keys=True),
        orders + json.dumps([holdout.share, holdout.as_of]),
    )


def request(
    history: OrderHistory, config: PredictionConfig, holdout: HoldoutConfig
) -> PredictionOutcome:
    """What is ready for these settings, starting (or joining) the work for the rest."""
    predictions_key, check_key = _keys(history, config, holdout)
    job = None
    for _ in range(3):  # a job that just finished may have had its results pushed out again
        predicted, checked = _PREDICTIONS.peek(predictions_key), _CHECKS.peek(check_key)
        missing = (
            predictions_key if predicted is None else None,
            check_key if checked is None and not isinstance(predicted, PredictionError) else None,
        )
        if missing == (None, None):
            break
        job = _start(missing, history, config, holdout)
        if job is not None:
            break
    return PredictionOutcome(
        predicted if isinstance(predicted, Predictions) else None,
        predicted if isinstance(predicted, PredictionError) else None,
        checked if isinstance(checked, HoldoutCheck) else None,
        checked if isinstance(checked, PredictionError) else None,
        job,
    )


def _start(
    keys: tuple[str | None, str | None],
    history: OrderHistory,
    config: PredictionConfig,
    holdout: HoldoutConfig,
) -> PredictionJob | None:
    """The running job computing the results of these keys (None: not needed), started if
    nobody has yet; None once it is done."""
    key = "|".join(k or "" for k in keys)
    session = session_id()
    with _LOCK:
        withdraw(_JOBS, session, keep=key)
        job = _JOBS.get(key)
        if job is None:
            predicts, checks = (
                PREDICTION_STEPS if keys[0] else (),
                (HOLDOUT_STEP,) if keys[1] else (),
            )
            job = PredictionJob(key, (*predicts, *checks))
            job.future = _EXECUTOR.submit(_compute, job, history, config, holdout, keys)
            _JOBS[key] = job
        job.sessions.add(session)
    if not job.future.done():
        return job
    with _LOCK:
        _JOBS.pop(key, None)
    job.future.result()  # a bug in the work surfaces here, in the page
    return None


def _compute(
    job: PredictionJob,
    history: OrderHistory,
    config: PredictionConfig,
    holdout: HoldoutConfig,
    keys: tuple[str | None, str | None],
) -> None:
    job.started = time.monotonic()
    predictions_key, check_key = keys
    n_steps = len(job.steps)
    if predictions_key is not None:

        def report(share: float, text: str) -> None:
            job.report(share * len(PREDICTION_STEPS) / n_steps, text)

        try:
            predicted = predict_customers(history, config, progress=report)
        except PredictionError as err:
            predicted = err
        _PREDICTIONS.put(predictions_key, predicted)
        job.predicted = True
        if isinstance(predicted, PredictionError) or check_key is None:
            _finish(job)
            return
    job.report((n_steps - 1) / n_steps, HOLDOUT_STEP)
    try:
        checked = holdout_check(history, holdout)
    except PredictionError as err:
        checked = err
    _CHECKS.put(check_key, checked)
    _finish(job)


def _finish(job: PredictionJob) -> None:
    job.report(1.0, "")
    with _LOCK:  # a job that failed with a bug stays listed, so the page reports it once
        if _JOBS.get(job.key) is job:
            del _JOBS[job.key]


def job(key: str) -> PredictionJob | None:
    """The running job with this key, if there is one."""
    with _LOCK:
        return _JOBS.get(key)


def predictions_now(history: OrderHistory, config: PredictionConfig) -> Predictions:
    """The predictions for these settings, computed here if not cached (for restoring a link
    or placing a snapshot, where they are needed before anything is drawn; raises
    ``PredictionError``)."""
    key = orders_key(history) + json.dumps(config.to_dict(), sort_keys=True)
    result = _PREDICTIONS.get_or_compute(key, lambda: _or_error(history, config))
    if isinstance(result, PredictionError):
        raise result
    return result


def _or_error(history: OrderHistory, config: PredictionConfig) -> Predictions | PredictionError:
    try:
        return predict_customers(history, config)
    except PredictionError as err:
        return err


# --- the prediction columns of the active data ----------------------------------------------


def table_config(data: CustomerData) -> PredictionConfig | None:
    """The settings the active data's prediction columns were made with; None without them."""
    if not prediction_columns(data):
        return None
    stored = st.session_state.get(TABLE_CONFIG)
    return PredictionConfig.from_dict(stored) if stored else PredictionConfig()


def add_predictions(data: CustomerData, config: PredictionConfig) -> CustomerData:
    """``data`` with the prediction columns of these settings joined (computed from its own
    orders if need be; raises ``PredictionError``), remembering the settings for links."""
    result = predictions_now(data_order_history(data), config)
    joined = with_predictions(data, result)
    st.session_state[TABLE_CONFIG] = config.to_dict()
    return joined


# --- what links and projects carry ----------------------------------------------------------


def remember_page_settings(data: CustomerData, settings: PredictionSettings) -> None:
    """Note the Predictions page's settings on this data (a link made later carries them)."""
    st.session_state[PAGE_SETTINGS] = (data.source.content_sha256, settings.to_dict())


def current_settings(data: CustomerData) -> PredictionSettings | None:
    """The page's settings on this data and those of the table's prediction columns, or None
    when the page was never opened on it and the table has no prediction columns."""
    noted = st.session_state.get(PAGE_SETTINGS)
    page = noted[1] if noted and noted[0] == data.source.content_sha256 else None
    table = table_config(data)
    if page is None and table is None:
        return None
    values = dict(page or {})
    values["table"] = None if table is None else table.to_dict()
    return PredictionSettings.from_dict(values)


def restore_settings(data: CustomerData, settings: PredictionSettings) -> CustomerData:
    """Put a link's or project's settings into the page's widgets and, when the link's table
    had prediction columns, recompute them (raises ``PredictionError``)."""
    page = settings.page
    st.session_state[HORIZON] = page.horizon_days
    st.session_state[DISCOUNT] = round(page.discount_rate * 100, 6)
    st.session_state[HOLDOUT] = round(settings.holdout_share * 100)
    if page.as_of is None:
        st.session_state.pop(AS_OF, None)  # the default: the last order day
    else:
        st.session_state[AS_OF] = date.fromisoformat(page.as_of)
    remember_page_settings(data, settings)
    if settings.table is None:
        return data
    return add_predictions(data, settings.table)
