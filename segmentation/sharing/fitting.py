"""The segmentation the Segments page makes on a first visit, made from a file, and its model.

``python -m segmentation fit INPUT MODEL [--k N]`` reads INPUT as the Data page does (format,
layout, orders aggregated with the suggested mapping), then does what the Segments page does
when it opens without segments: every usable feature column with long-tailed numbers logged,
standard scaling, k-means with the default settings, the number of segments recommended by the
k diagnostics over :data:`FIRST_VISIT_K` (unless ``k`` is given), segments named after their
personas. The saved model is the one the Monitor page's "Download model" writes, so ``assign``
and the app place customers the same way. The model's settings also record what it was fitted
on (``settings["training"]``: customers, source, how k was chosen and the sample design), which
``check-sample`` uses to draw a sample of the same size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from segmentation.data.build import input_customers, read_input
from segmentation.data.dataset import CustomerData
from segmentation.describing.persona_names import has_default_names, with_persona_names
from segmentation.describing.persona_types import PersonaConfig
from segmentation.describing.personas import build_personas
from segmentation.describing.value_format import data_currency
from segmentation.errors import DataLoadError
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.diagnostics import KDiagnostics, choose_k
from segmentation.segmenting.features import default_feature_config, prepare_features
from segmentation.segmenting.segments import Segmentation
from segmentation.sharing.reuse import SegmentModel, fit_segment_model
from segmentation.sharing.sampling import read_design

FIRST_VISIT_K = (2, 8)  # the k range the Segments page compares on a first visit
CLI_MAX_MB = 4_000  # files on disk, not uploads: read what fits in memory
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class FittedSegments:
    """A first-visit segmentation made from a file: the data as read, the segmentation (named
    after its personas), the model that applies it, and the k diagnostics (``None`` when k was
    given)."""

    data: CustomerData
    segmentation: Segmentation
    model: SegmentModel
    diagnostics: KDiagnostics | None


def read_customers(path: str | Path, max_mb: float = CLI_MAX_MB) -> CustomerData:
    """The customer table of one file as the Data page makes it, suggestions accepted."""
    path = Path(path)
    if not path.is_file():
        raise DataLoadError(f"There is no file at '{path}'. Check the path and the file name.")
    return input_customers(read_input(path.read_bytes(), path.name, max_mb))


def first_visit_segmentation(
    data: CustomerData, n_segments: int | None = None, progress: Progress | None = None
) -> tuple[Segmentation, KDiagnostics | None]:
    """The Segments page's first-visit segmentation of ``data`` (k recommended unless given),
    with persona names, and the k diagnostics when k was recommended."""
    config = default_feature_config(data.customers, data.schema)
    matrix = prepare_features(data.customers, data.schema, config)
    base, diagnostics = ClusterConfig(), None
    if n_segments is None:
        low, high = FIRST_VISIT_K
        diagnostics = choose_k(matrix, tuple(range(low, high + 1)), base, progress)
        n_segments = diagnostics.recommended_k
    segmentation = cluster_customers(matrix, replace(base, n_segments=n_segments)).segmentation
    return named_after_personas(data, segmentation), diagnostics


def named_after_personas(data: CustomerData, segmentation: Segmentation) -> Segmentation:
    """Segments with automatic names named after their personas, as the app saves them."""
    if not has_default_names(segmentation):
        return segmentation
    cards = build_personas(data.customers, data.schema, segmentation, config=PersonaConfig(),
                           currency=data_currency(data))  # fmt: skip
    return with_persona_names(segmentation, cards)


def fit_file(
    path: str | Path, n_segments: int | None = None, progress: Progress | None = None
) -> FittedSegments:
    """Read ``path``, make the first-visit segmentation and the model that applies it.

    Raises the package's :class:`~segmentation.errors.SegmentationError` family (a missing or
    unreadable file, data without features, an impossible ``n_segments``).
    """
    data = read_customers(path)
    segmentation, diagnostics = first_visit_segmentation(data, n_segments, progress)
    model = fit_segment_model(data.customers, data.schema, segmentation)
    training = training_record(path, data, n_segments)
    model = replace(model, settings={**model.settings, "training": training})
    return FittedSegments(data, segmentation, model, diagnostics)


def training_record(path: str | Path, data: CustomerData, n_segments: int | None) -> dict[str, Any]:
    """What a model was fitted on: the file, its customers, how k was chosen, the sample design
    when the file is a sample made by ``sample``."""
    design = read_design(path)
    return {
        "source": str(path),
        "customers": len(data.customers),
        "k": "given" if n_segments is not None else "recommended",
        "sample": None if design is None else design.to_dict(),
    }
