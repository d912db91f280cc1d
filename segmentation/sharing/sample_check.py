"""Was the sample big enough? A model against a refit on an independent sample of the same size.

``python -m segmentation check-sample MODEL DATASET`` draws a second sample of DATASET with a
different seed (same size and strata as the model's training sample, or ``--rows``), makes the
same first-visit segmentation on it (:mod:`.fitting`), and applies both models to a large subset
of DATASET (a third seed). If the sample pinned the segments down, the two models agree:

* **adjusted Rand index** (ARI) of the two labelings ≥ :data:`ARI_MIN` (1 = the same groups,
  0 = no better than chance);
* **segment shares**: each model segment and the refit segment matched to it (the pairing that
  shares the most customers) hold shares within :data:`SHARE_POINTS_MAX` percentage points;
* **centre drift**: the average customers of a matched pair differ by at most
  :data:`DRIFT_MAX` in the model's standardised feature units (standard deviations for
  numbers, shares for categories) on any feature;
* **margin of error**: at the sample size, segment shares are known within
  :data:`MARGIN_POINTS_MAX` points (95 %: 1.96·√(p(1−p)/n)), whatever the clustering does;
* the refit finds the **same number of segments**.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from segmentation.segmenting.features import MISSING_LEVEL
from segmentation.segmenting.segments import UNASSIGNED
from segmentation.sharing.fitting import fit_file, read_customers
from segmentation.sharing.reuse import SegmentModel, assign_customers
from segmentation.sharing.sample_design import SampleError
from segmentation.sharing.sampling import draw_sample, write_sample

ARI_MIN = 0.8
SHARE_POINTS_MAX = 2.0
DRIFT_MAX = 0.25
MARGIN_POINTS_MAX = 2.0
EVAL_ROWS = 200_000
ASSIGN_ROWS = 25_000  # customers placed at a time (the nearest-centre step is n × k × d)
THRESHOLDS = (
    f"ARI ≥ {ARI_MIN}, segment shares within {SHARE_POINTS_MAX:g} points, centre drift ≤ "
    f"{DRIFT_MAX:g} standard deviations, margin of error ≤ {MARGIN_POINTS_MAX:g} points, and "
    "the same number of segments"
)


@dataclass(frozen=True)
class SegmentAgreement:
    """One model segment and the refit segment matched to it, on the evaluation customers.

    ``share`` and ``refit_share`` are fractions; ``drift`` is the largest difference of the two
    segments' average customers on one feature (``drift_feature``), in standardised units.
    """

    segment: str
    refit_segment: str | None
    share: float
    refit_share: float
    drift: float
    drift_feature: str | None

    @property
    def share_points(self) -> float:
        """The share difference in percentage points."""
        return abs(self.share - self.refit_share) * 100


@dataclass(frozen=True)
class SampleCheck:
    """The verdict of :func:`check_sample` and the numbers behind it."""

    model_title: str
    sample_size: int
    refit_seed: int
    evaluated: int
    model_k: int
    refit_k: int
    ari: float
    segments: tuple[SegmentAgreement, ...]
    margin_points: float
    reasons: tuple[str, ...]

    @property
    def big_enough(self) -> bool:
        """Whether every threshold is met (``reasons`` lists the ones that are not)."""
        return not self.reasons

    @property
    def largest_share_points(self) -> float:
        return max((s.share_points for s in self.segments), default=0.0)

    @property
    def largest_drift(self) -> float:
        return max((s.drift for s in self.segments), default=0.0)

    @property
    def rows_for_margin(self) -> int:
        """The sample size at which the largest segment's share is known within
        :data:`MARGIN_POINTS_MAX` points (from this sample's shares)."""
        p = max((s.share for s in self.segments), key=lambda v: v * (1 - v), default=0.5)
        return int(np.ceil(1.96**2 * p * (1 - p) / (MARGIN_POINTS_MAX / 100) ** 2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``--json``)."""
        data = asdict(self)
        data["segments"] = [{**asdict(s), "share_points": s.share_points} for s in self.segments]
        data["reasons"] = list(self.reasons)
        thresholds = {"ari_min": ARI_MIN, "share_points_max": SHARE_POINTS_MAX,
                      "drift_max": DRIFT_MAX, "margin_points_max": MARGIN_POINTS_MAX}  # fmt: skip
        return {**data, "big_enough": self.big_enough, "rows_for_margin": self.rows_for_margin,
                "thresholds": thresholds}  # fmt: skip


def check_sample(
    model: SegmentModel,
    dataset: str,
    rows: int | None = None,
    seed: int | None = None,
    eval_rows: int = EVAL_ROWS,
) -> SampleCheck:
    """Refit ``model``'s segmentation on an independent sample of ``dataset`` and compare.

    ``rows`` defaults to the model's training sample size, ``seed`` to the training seed + 1;
    the evaluation subset (``eval_rows`` customers) uses ``seed + 1``. Raises
    :class:`SampleError` for a model without clusters or without a known sample size.
    """
    training = _training(model, rows)
    design = training.get("sample") or {}
    rows = rows or int(design.get("size") or training["customers"])
    seed = int(design.get("seed", 0)) + 1 if seed is None else seed
    strata = tuple(design.get("strata_columns", ()))
    k = _k(model) if training.get("k") == "given" else None
    with tempfile.TemporaryDirectory(prefix="segment-check-") as folder:
        refit_path = Path(folder) / "refit_sample.parquet"
        write_sample(draw_sample(dataset, rows, seed, strata), refit_path)
        refit = fit_file(refit_path, k).model
        eval_path = Path(folder) / "evaluation_subset.parquet"
        write_sample(draw_sample(dataset, eval_rows, seed + 1), eval_path)
        data = read_customers(eval_path)
    frame = data.customers
    labels, refit_labels = _assigned(model, frame), _assigned(refit, frame)
    segments = _agreements(model, frame, labels, refit_labels)
    ari = float(adjusted_rand_score(labels, refit_labels))
    margin = _margin_points(labels.value_counts(normalize=True), rows)
    result = SampleCheck(model.title, rows, seed, len(frame), _k(model), _k(refit), ari,
                         segments, margin, ())  # fmt: skip
    return _with_reasons(result)


def _training(model: SegmentModel, rows: int | None) -> Mapping[str, Any]:
    if model.preprocessor is None or model.centers is None:
        raise SampleError(
            f"'{model.title}' is a {model.method} segmentation: it learns nothing from a sample, "
            "so there is nothing to check. check-sample applies to clustering models."
        )
    training = model.settings.get("training")
    if training is None and rows is None:
        raise SampleError(
            f"The model '{model.title}' does not say how many customers it was fitted on (it "
            "was not made by 'fit'). Give the sample size with --rows."
        )
    return training or {"customers": rows, "k": "given"}


def _k(model: SegmentModel) -> int:
    return len([i for i in model.segment_names if i != UNASSIGNED])


def _assigned(model: SegmentModel, frame: pd.DataFrame) -> pd.Series:
    parts = [
        assign_customers(model, frame.iloc[start : start + ASSIGN_ROWS])
        for start in range(0, len(frame), ASSIGN_ROWS)
    ]
    return pd.concat(parts).reset_index(drop=True)


def _agreements(
    model: SegmentModel, frame: pd.DataFrame, labels: pd.Series, refit_labels: pd.Series
) -> tuple[SegmentAgreement, ...]:
    counts = pd.crosstab(labels, refit_labels)
    rows, columns = linear_sum_assignment(-counts.to_numpy())
    matched = {counts.index[r]: counts.columns[c] for r, c in zip(rows, columns, strict=True)}
    X = _standardised(model, frame)
    centres = X.groupby(labels.to_numpy()).mean()
    refit_centres = X.groupby(refit_labels.to_numpy()).mean()
    shares = labels.value_counts(normalize=True)
    refit_shares = refit_labels.value_counts(normalize=True)
    agreements = []
    for name in shares.index:
        partner = matched.get(name)
        drift, feature = float("nan"), None
        if partner is not None:
            gaps = (centres.loc[name] - refit_centres.loc[partner]).abs()
            drift, feature = float(gaps.max()), str(gaps.idxmax())
        refit_share = float(refit_shares.get(partner, 0.0)) if partner is not None else 0.0
        refit_name = None if partner is None else str(partner)
        agreements.append(
            SegmentAgreement(
                str(name), refit_name, float(shares[name]), refit_share, drift, feature
            )
        )
    return tuple(agreements)


def _standardised(model: SegmentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """The customers in the model's feature space (scaled numbers, weighted one-hot)."""
    data = {}
    for name, kind in model.columns.items():
        if kind == "numeric":
            data[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy()
        else:
            values = frame[name].astype("string").fillna(MISSING_LEVEL)
            data[name] = values.astype(object).to_numpy()
    X = model.preprocessor.transform(pd.DataFrame(data))
    X = pd.DataFrame(np.asarray(X, dtype="float64"), columns=list(model.centers.columns))
    return X


def _margin_points(shares: pd.Series, n: int) -> float:
    p = shares.to_numpy(dtype="float64")
    return float((1.96 * np.sqrt(p * (1 - p) / max(n, 1))).max() * 100) if len(p) else 0.0


def _with_reasons(check: SampleCheck) -> SampleCheck:
    reasons = []
    if check.refit_k != check.model_k:
        reasons.append(f"the refit found {check.refit_k} segments where the model has "
                       f"{check.model_k}")  # fmt: skip
    if not check.ari >= ARI_MIN:
        reasons.append(f"the two models group customers differently (ARI {check.ari:.2f}, "
                       f"below {ARI_MIN})")  # fmt: skip
    if check.largest_share_points > SHARE_POINTS_MAX:
        reasons.append(f"segment shares differ by up to {check.largest_share_points:.1f} points "
                       f"(more than {SHARE_POINTS_MAX:g})")  # fmt: skip
    drifts = [s.drift for s in check.segments if not np.isnan(s.drift)]
    if drifts and max(drifts) > DRIFT_MAX:
        reasons.append(f"segment centres moved by up to {max(drifts):.2f} standard deviations "
                       f"(more than {DRIFT_MAX:g})")  # fmt: skip
    if check.margin_points > MARGIN_POINTS_MAX:
        reasons.append(f"at {check.sample_size:,} customers a segment's share is only known "
                       f"within ±{check.margin_points:.1f} points (more than "
                       f"{MARGIN_POINTS_MAX:g})")  # fmt: skip
    return replace(check, reasons=tuple(reasons))


def check_report(check: SampleCheck, dataset: str) -> str:
    """The plain-words report the command line prints."""
    verdict = (
        f"The sample of {check.sample_size:,} customers was big enough: an independent sample "
        "of the same size gives the same segments."
        if check.big_enough
        else f"The sample of {check.sample_size:,} customers was too small: "
        + "; ".join(check.reasons)
        + f". Draw a larger sample (at least {check.rows_for_margin:,} customers for the "
        "margin of error; more if the models disagree) and fit again."
    )
    lines = [
        f"Checked '{check.model_title}' against a refit on an independent sample of "
        f"{check.sample_size:,} customers (seed {check.refit_seed}), both applied to "
        f"{check.evaluated:,} customers of {dataset}.",
        "",
        verdict,
        "",
        f"Agreement (adjusted Rand index): {check.ari:.2f} (1 = the same groups, 0 = chance).",
        f"Segments: {check.model_k} in the model, {check.refit_k} in the refit.",
        "Segment shares, model vs refit, and how far the matched segment's centre moved:",
        *_segment_lines(check.segments),
        f"Margin of error of segment shares at {check.sample_size:,} customers: "
        f"±{check.margin_points:.1f} points (95 %).",
        "",
        f"Thresholds: {THRESHOLDS}.",
    ]
    return "\n".join(lines)


def _segment_lines(segments: Sequence[SegmentAgreement]) -> list[str]:
    lines = []
    for s in segments:
        if s.refit_segment is None:
            lines.append(f"  {s.segment}: {s.share:.1%} vs no matching refit segment")
            continue
        moved = (
            "centre did not move"
            if s.drift < 0.005
            else f"centre moved {s.drift:.2f} SD, most on {s.drift_feature}"
        )
        lines.append(
            f"  {s.segment}: {s.share:.1%} vs {s.refit_share:.1%} ({s.share_points:.1f} points); "
            + moved
        )
    return lines
