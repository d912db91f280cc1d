"""Applying a finished segmentation to new customers: next month's file, a CRM export.

A :class:`SegmentModel` is what it takes to place a new customer in a segment:

* **clusters**: the fitted preprocessing pipeline (imputation, logs, scaling, one-hot encoding,
  base weights, all learned on the original customers) and each segment's centre in that
  feature space. A new customer joins the segment with the nearest centre, which is exactly
  k-means' rule and the usual way to extend the other methods to new data;
* **rules**: the rules themselves (JSON), checked in order as on the Segments page;
* **RFM**: the columns and table; scores are quintiles *of the file being scored*, so RFM is
  applied to a whole file at once, not in chunks.

Models are saved with joblib (a pickle of the scikit-learn pipeline). Loading a pickle runs code
from the file, so only load model files you made or trust; the app never loads uploaded models.

>>> import pandas as pd
>>> from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rules_segmentation
>>> from segmentation.data.schema import infer_schema
>>> typed = infer_schema(pd.DataFrame({"id": ["a", "b", "c"], "spend": ["900", "20", "35"]}))
>>> rules = [Rule("Big", RuleGroup("all", (Condition("spend", "ge", 500),)))]
>>> model = fit_segment_model(typed.frame, typed.schema,
...                           rules_segmentation(typed.frame, "id", rules))
>>> new = pd.DataFrame({"id": ["x", "y"], "spend": ["1,200", "5"]})
>>> assign_segments(model, new).tolist()
['Big', 'Other']
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segmentation.data.schema import Schema, infer_schema
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation
from segmentation.sharing.centres import feature_matrix, nearest_centre
from segmentation.targeting.spreadsheets import write_csv

MODEL_FORMAT = "segment-studio-model"
MODEL_VERSION = 1
CHUNK_ROWS = 50_000
WHOLE_FILE_OPERATORS = ("top_pct", "bottom_pct")  # rank customers against the whole file
CLUSTER_METHODS = ("kmeans", "gmm", "ward", "hdbscan", "kprototypes")


class AssignError(SegmentationError):
    """A model or a new file that cannot be used to assign segments."""


@dataclass(frozen=True)
class SegmentModel:
    """A segmentation ready to be applied to new customers (see the module docstring).

    Attributes
    ----------
    title, method, segment_names : as in the segmentation it came from.
    id_column : the column identifying customers in the original data.
    columns : the input columns the model reads, with their kind ("numeric", "categorical", ...).
    settings : the segmentation's settings (rules, RFM table, feature settings).
    preprocessor : for clusters, the fitted scikit-learn pipeline; otherwise ``None``.
    centers : for clusters, each segment's centre in feature space (rows: segment ids).
    """

    title: str
    method: str
    segment_names: Mapping[int, str]
    id_column: str
    columns: Mapping[str, str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    preprocessor: Any = None
    centers: pd.DataFrame | None = None
    format: str = MODEL_FORMAT
    version: int = MODEL_VERSION

    @property
    def chunkable(self) -> bool:
        """Whether customers can be assigned a chunk at a time (nothing ranks the whole file)."""
        if self.method == "rfm":
            return False
        if self.method == "rules":
            from segmentation.segmenting.rule_conditions import iter_conditions, rule_from_dict

            rules = [rule_from_dict(r) for r in self.settings["rules"]]
            return not any(
                c.operator in WHOLE_FILE_OPERATORS for r in rules for c in iter_conditions(r)
            )
        return True


@dataclass(frozen=True)
class Population:
    """A whole dataset's cut points, for models whose segments rank customers against all the
    others (RFM quintiles, top/bottom-percent rules): computed once in a first pass, then every
    partition is scored with them. ``None`` where the model needs none."""

    rfm: Any = None  # segmentation.segmenting.rfm_scoring.RfmCuts
    rules: Any = None  # segmentation.segmenting.rule_operators.PopulationCuts


@dataclass(frozen=True)
class AssignSummary:
    """What :func:`assign_file` did: customers per segment, ignored columns and time taken."""

    n_customers: int
    sizes: Mapping[str, int]
    ignored_columns: tuple[str, ...]
    n_chunks: int
    seconds: float


def fit_segment_model(
    frame: pd.DataFrame, schema: Schema, segmentation: Segmentation
) -> SegmentModel:
    """The model that places new customers in ``segmentation``'s segments.

    ``frame``/``schema`` must be the data the segmentation was made on (for clusters the
    pipeline is fitted on it again from the saved settings, which gives the same features).
    """
    if schema.id_column is None:
        raise AssignError(
            "The data has no customer id column; mark one as the id on the Data page."
        )
    if "selections" in segmentation.settings or segmentation.method == "selection":
        raise AssignError(
            f"'{segmentation.title}' contains segments drawn on the map, which list customers "
            "rather than describe them, so they cannot be applied to new customers. Export a "
            "clustering, rules or RFM segmentation instead."
        )
    base = {"title": segmentation.title, "method": segmentation.method}
    names = {int(k): str(v) for k, v in segmentation.segment_names.items()}
    settings = dict(segmentation.settings)
    if segmentation.method in ("rules", "rfm"):
        columns = _rule_or_rfm_columns(segmentation.method, settings)
        kinds = {c: schema.column(c).kind for c in columns}
        return SegmentModel(**base, segment_names=names, id_column=schema.id_column,
                            columns=kinds, settings=settings)  # fmt: skip
    return _fit_clusters(frame, schema, segmentation, names, settings)


def _rule_or_rfm_columns(method: str, settings: Mapping[str, Any]) -> tuple[str, ...]:
    if method == "rules":
        from segmentation.segmenting.rule_conditions import rule_columns, rule_from_dict

        rules = [rule_from_dict(r) for r in settings["rules"]]
        return tuple(dict.fromkeys(c for r in rules for c in rule_columns(r)))
    from segmentation.segmenting.rfm import rfm_from_settings

    rfm_columns, _ = rfm_from_settings(settings)
    return tuple(rfm_columns.to_dict().values())


def _fit_clusters(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    names: dict[int, str],
    settings: dict[str, Any],
) -> SegmentModel:
    from segmentation.segmenting.clustering import segment_centers
    from segmentation.segmenting.features import FeatureConfig, prepare_features

    if "features" not in settings:
        raise AssignError(
            f"'{segmentation.title}' has no feature settings, so it cannot be applied to new "
            "customers. Make the segments again on the Segments page."
        )
    config = FeatureConfig.from_dict(settings["features"])
    matrix = prepare_features(frame, schema, config)
    labels = segmentation.labels.reindex(matrix.X.index)
    centers = segment_centers(matrix.X, labels.fillna(UNASSIGNED).astype("int64"))
    kinds = {c: schema.column(c).kind for c in config.columns}
    return SegmentModel(
        segmentation.title,
        segmentation.method,
        names,
        schema.id_column,
        kinds,
        settings,
        matrix.preprocessor,
        centers,
    )


# --- applying -------------------------------------------------------------------------------


def check_columns(model: SegmentModel, columns: Iterable[str]) -> tuple[str, ...]:
    """Raise ``AssignError`` naming every column the model needs that ``columns`` lacks;
    return the extra columns the model will ignore."""
    present = [str(c) for c in columns]
    needed = [model.id_column, *model.columns]
    missing = [c for c in needed if c not in present]
    if missing:
        raise AssignError(
            f"The new file lacks {len(missing)} column(s) the segmentation '{model.title}' needs: "
            f"{', '.join(missing)}. It has: {', '.join(present) or 'no columns'}. Export the "
            "new file with the same column names as the original, or rename its columns."
        )
    return tuple(c for c in present if c not in needed)


def assign_segments(model: SegmentModel, raw: pd.DataFrame) -> pd.Series:
    """The segment name of each customer of a raw table (text as read from a file), indexed
    by customer id."""
    check_columns(model, raw.columns)
    typed = _typed(model, raw)
    ids = pd.Index(raw[model.id_column].astype(str).str.strip(), name=model.id_column)
    labels = _labels(model, typed.set_axis(ids))
    return labels.map(model.segment_names).fillna(_other_name(model)).rename("segment")


def assign_customers(model: SegmentModel, frame: pd.DataFrame) -> pd.Series:
    """The segment name of each customer of a table the app has already typed (numbers,
    dates and yes/no converted), indexed by customer id as the table holds it."""
    check_columns(model, frame.columns)
    typed = pd.DataFrame(
        {name: _forced(frame[name], kind) for name, kind in model.columns.items()}
    ).set_axis(pd.Index(frame[model.id_column], name=model.id_column))
    labels = _labels(model, typed)
    return labels.map(model.segment_names).fillna(_other_name(model)).rename("segment")


ASSIGNED_COLUMNS = ("segment_id", "segment")


def assign_partition(
    model: SegmentModel, frame: pd.DataFrame, population: Population | None = None
) -> pd.DataFrame:
    """One row per customer of a part of a dataset: the customer key, the segment id and the
    segment name, as the whole dataset would get them (``population``: its cut points, for
    models that rank customers against all the others).

    ``frame`` is read as a file holds it: all text (CSV; numbers like "$1,200" converted as the
    app converts them, keys trimmed) or typed columns (Parquet; keys kept as they are).
    """
    typed = typed_partition(model, frame)
    labels = _labels(model, typed, population)
    positions, segment_ids = pd.factorize(labels.to_numpy(dtype="int64"))
    other = _other_name(model)
    names = pd.array([model.segment_names.get(int(i), other) for i in segment_ids], dtype="str")
    return pd.DataFrame(
        {
            model.id_column: typed.index.to_series(index=range(len(typed))),
            "segment_id": labels.to_numpy(dtype="int64"),
            "segment": names.take(positions),  # an Arrow take: no Python string per customer
        }
    )


def typed_partition(model: SegmentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the model reads, typed, indexed by customer key (see assign_partition)."""
    check_columns(model, frame.columns)
    needed = [model.id_column, *model.columns]
    if all(_is_text(frame[name]) for name in needed):
        raw = frame[needed].replace("", None)
        ids = pd.Index(raw[model.id_column].astype(str).str.strip(), name=model.id_column)
        return _typed(model, raw).set_axis(ids)
    typed = {name: _forced(frame[name], kind) for name, kind in model.columns.items()}
    ids = pd.Index(frame[model.id_column], name=model.id_column)
    return pd.DataFrame(typed, index=ids)


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def _forced(values: pd.Series, kind: str) -> Any:
    if kind == "numeric":
        return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    if kind == "datetime":
        return pd.to_datetime(values, errors="coerce").to_numpy()
    if isinstance(values.dtype, pd.StringDtype):  # as it is: objects would be made text again
        return values.array
    return values.to_numpy()


def _other_name(model: SegmentModel) -> str:
    return model.segment_names.get(
        UNASSIGNED, "Other" if model.method in ("rules", "rfm") else "Unassigned"
    )


def _typed(model: SegmentModel, raw: pd.DataFrame) -> pd.DataFrame:
    """The model's columns converted as the app converts them (numbers like "$1,200", dates,
    yes/no), then forced to the kind the model was made with."""
    columns = list(model.columns)
    converted = infer_schema(raw[columns].astype("string"), one_row_per_customer=True).frame
    out = {name: _forced(converted[name], kind) for name, kind in model.columns.items()}
    return pd.DataFrame(out, index=raw.index)


def _labels(
    model: SegmentModel, typed: pd.DataFrame, population: Population | None = None
) -> pd.Series:
    """Segment ids of typed customers; ``population``: a whole dataset's cut points when
    ``typed`` is a part of it (RFM, top/bottom-percent rules)."""
    if model.method == "rules":
        from segmentation.segmenting.rule_conditions import rule_from_dict
        from segmentation.segmenting.rules import rules_segmentation

        rules = [rule_from_dict(r) for r in model.settings["rules"]]
        frame = typed.reset_index()
        reference = model.settings.get("reference_date")
        try:
            return rules_segmentation(
                frame,
                model.id_column,
                rules,
                reference_date=reference,
                population=None if population is None else population.rules,
            ).labels
        except SegmentationError as err:
            if "None of the rules matches" not in str(err):
                raise
            return pd.Series(UNASSIGNED, index=typed.index, dtype="int64")
    if model.method == "rfm":
        from segmentation.segmenting.rfm import rfm_from_settings
        from segmentation.segmenting.rfm_scoring import rfm_scores
        from segmentation.segmenting.rfm_table import assign_rfm_segments

        columns, table = rfm_from_settings(model.settings)
        cuts = None if population is None else population.rfm
        return assign_rfm_segments(rfm_scores(typed, columns, cuts), table)
    return _nearest_centre(model, typed)


def _nearest_centre(model: SegmentModel, typed: pd.DataFrame) -> pd.Series:
    X = feature_matrix(model.preprocessor, typed, model.columns)
    nearest = nearest_centre(X, model.centers.to_numpy())
    return pd.Series(model.centers.index.to_numpy()[nearest], index=typed.index)


# --- files ----------------------------------------------------------------------------------


# Model files name the classes they hold by module. These are the modules of the flat layout
# before the package was grouped by stage (model files made then still load).
MOVED_MODULES = {
    "segmentation.clustering": "segmentation.segmenting.clustering",
    "segmentation.features": "segmentation.segmenting.features",
    "segmentation.kprototypes": "segmentation.segmenting.kprototypes",
    "segmentation.rfm": "segmentation.segmenting.rfm",
    "segmentation.rules": "segmentation.segmenting.rules",
    "segmentation.schema": "segmentation.data.schema",
    "segmentation.segments": "segmentation.segmenting.segments",
    "segmentation.reuse": "segmentation.sharing.reuse",
}
_ALIASES_LOCK = threading.Lock()


@contextmanager
def _modules_under_their_old_names() -> Iterator[None]:
    """While a model file loads, the modules it may name by their old paths answer to them."""
    with _ALIASES_LOCK:
        added = [old for old in MOVED_MODULES if old not in sys.modules]
        for old in added:
            sys.modules[old] = importlib.import_module(MOVED_MODULES[old])
        try:
            yield
        finally:
            for old in added:
                sys.modules.pop(old, None)


def save_model(model: SegmentModel, path: str | Path) -> None:
    """Write a model file (joblib)."""
    import joblib

    joblib.dump(model, path, compress=3)


def load_model(path: str | Path) -> SegmentModel:
    """Read a model file written by :func:`save_model`, with a clear message for anything
    else. Only load model files you trust: loading runs code stored in the file."""
    import pickle

    import joblib

    try:
        with _modules_under_their_old_names():
            model = joblib.load(path)
    except FileNotFoundError:
        raise AssignError(f"There is no model file at '{path}'. Check the path.") from None
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError):
        raise AssignError(
            f"'{path}' is not a Segment Studio model file (it cannot be read as one). Export "
            "the segmentation again with 'Download model'."
        ) from None
    if not isinstance(model, SegmentModel) or model.format != MODEL_FORMAT:
        raise AssignError(
            f"'{path}' holds a {type(model).__name__}, not a Segment Studio model. Export the "
            "segmentation again with 'Download model'."
        )
    if model.version > MODEL_VERSION:
        raise AssignError(
            f"'{path}' was made by a newer Segment Studio (model version {model.version}; this "
            f"app reads up to {MODEL_VERSION}). Update the app."
        )
    return model


def assign_file(
    model: SegmentModel,
    source: str | Path,
    target: str | Path,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> AssignSummary:
    """Assign every customer of a CSV file (optionally gzipped) and write ``id, segment``
    rows to ``target``, reading ``chunk_rows`` rows at a time so any file size fits in memory.

    The delimiter is detected from the first line (comma, semicolon, tab or pipe).
    """
    start = time.perf_counter()
    sep = _delimiter(source)
    if not model.chunkable:
        chunk_rows = None  # ranks need the whole file (RFM quintiles, top N % rules)
    reader = pd.read_csv(source, sep=sep, dtype=str, keep_default_na=False, chunksize=chunk_rows)
    chunks = [reader] if chunk_rows is None else reader
    sizes: dict[str, int] = {}
    n_customers, n_chunks, ignored = 0, 0, ()
    with open(target, "w", encoding="utf-8", newline="") as out:
        for chunk in chunks:
            chunk = chunk.replace("", None)
            if n_chunks == 0:
                ignored = check_columns(model, chunk.columns)
            if chunk.empty:
                continue
            segments = assign_segments(model, chunk)
            rows = segments.rename_axis(model.id_column).reset_index()
            write_csv(rows, out, header=n_chunks == 0)  # segment names as text, never formulas
            for name, count in segments.value_counts().items():
                sizes[str(name)] = sizes.get(str(name), 0) + int(count)
            n_customers, n_chunks = n_customers + len(segments), n_chunks + 1
            if progress is not None:
                progress(n_customers)
    if n_customers == 0:
        raise AssignError(f"'{source}' has no rows to assign. Choose a file with customers.")
    return AssignSummary(n_customers, sizes, tuple(ignored), n_chunks, time.perf_counter() - start)


def _delimiter(source: str | Path) -> str:
    import gzip

    opener = gzip.open if str(source).endswith(".gz") else open
    try:
        with opener(source, "rt", encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline()
    except FileNotFoundError:
        raise AssignError(f"There is no file at '{source}'. Check the path.") from None
    except OSError as err:
        raise AssignError(f"'{source}' cannot be read ({err}). Choose a CSV file.") from None
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","
