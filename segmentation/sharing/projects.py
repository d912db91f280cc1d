"""Saving and sharing an analysis: a versioned project file and a compact link token.

A :class:`Project` describes an analysis without holding the customer table: where the data came
from (with its content hash, so the right file can be asked for), the column roles, every
segmentation's definition (title, method, segment names, settings), persona notes, the targeting
inputs and the page settings. Segments are rebuilt from their settings on load (clusters are
seeded, so the same data and settings give the same segments); labels travel only when the user
asks for customer rows, and a hash of the labels lets the app confirm a rebuild matched.

A shared link carries the same project in a URL-safe token, minus everything that could hold
customer data (labels, map selections, which list customer ids) and free-text notes.

>>> project = Project(DataInfo("sample", "Pet Dynamics sample", "a1" * 32, 6000))
>>> project_from_json(project_to_json(project)) == project
True
>>> project_from_link(project_to_link(project)) == project
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from segmentation.data.schema import Schema
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import Segmentation, make_segmentation

FORMAT = "segment-studio-project"
VERSION = 1
LINK_PREFIX = f"v{VERSION}."
MAX_LINK_CHARS = 8_000  # browsers and proxies accept about this much in a URL
DATA_KINDS = ("sample", "example", "upload")


class ProjectError(SegmentationError):
    """A project file or link that cannot be read or does not fit the data."""


@dataclass(frozen=True)
class DataInfo:
    """Which customer table an analysis was made on (never its rows).

    Attributes
    ----------
    kind : "sample" (bundled), "example" (bundled orders example) or "upload".
    name : the file name or the sample's name, to tell the user which file to open.
    content_sha256 : hash of the file's content; a resumed analysis checks it.
    n_customers : customers in the table, shown when asking for the file.
    files : for a table joined from two files, each file (profiles first), so both can be asked
        for; empty for one file.
    join : the join's key columns (``JoinKeys.to_dict()``) when ``files`` are joined.
    """

    kind: str
    name: str
    content_sha256: str
    n_customers: int = 0
    files: tuple[DataFile, ...] = ()
    join: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``files`` and ``join`` only for a joined table)."""
        document: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "content_sha256": self.content_sha256,
            "n_customers": self.n_customers,
        }
        if self.files:
            document["files"] = [f.to_dict() for f in self.files]
            document["join"] = None if self.join is None else dict(self.join)
        return document


@dataclass(frozen=True)
class DataFile:
    """One file of a joined table: its name and content hash, and for an orders file the
    column mapping it was aggregated with (``OrderColumns.to_dict()``)."""

    name: str
    content_sha256: str
    orders: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        orders = None if self.orders is None else dict(self.orders)
        return {"name": self.name, "content_sha256": self.content_sha256, "orders": orders}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DataFile:
        """The file saved by :meth:`to_dict`."""
        orders = values.get("orders")
        return cls(
            str(values["name"]),
            str(values["content_sha256"]),
            None if orders is None else dict(orders),
        )


@dataclass(frozen=True)
class SegmentationRecord:
    """A segmentation's definition; ``labels`` (customer id → segment id) only on request."""

    title: str
    method: str
    segment_names: Mapping[int, str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    labels_sha256: str = ""
    labels: Mapping[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (segment ids become text, as JSON keys must)."""
        data = {
            "title": self.title,
            "method": self.method,
            "segment_names": {str(k): v for k, v in self.segment_names.items()},
            "settings": dict(self.settings),
            "labels_sha256": self.labels_sha256,
        }
        if self.labels is not None:
            data["labels"] = dict(self.labels)
        return data


@dataclass(frozen=True)
class Project:
    """Everything needed to resume an analysis on the same data.

    Attributes
    ----------
    data : where the customers came from.
    columns : role, base and meaning per column name (``{"age": {"role": "feature", ...}}``;
        files made before meanings existed have no meaning).
    segmentations : the session's segmentations, in the order they were made.
    active : title of the segmentation every page works on.
    notes : persona notes: segmentation title → segment id (text) → note.
    targeting : the Target page's inputs (``TargetingConfig.to_dict()``), if any.
    view : page settings (widget values by key), so each page opens as it was.
    predictions : the Predictions page's settings and whether its columns were added to the
        table (``PredictionSettings.to_dict()``); absent from files made before predictions.
    """

    data: DataInfo
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    segmentations: tuple[SegmentationRecord, ...] = ()
    active: str | None = None
    notes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    targeting: Mapping[str, Any] | None = None
    view: Mapping[str, Any] = field(default_factory=dict)
    predictions: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of a project file."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "data": self.data.to_dict(),
            "columns": {name: dict(role) for name, role in self.columns.items()},
            "segmentations": [record.to_dict() for record in self.segmentations],
            "active": self.active,
            "notes": {title: dict(notes) for title, notes in self.notes.items()},
            "targeting": None if self.targeting is None else dict(self.targeting),
            "view": dict(self.view),
            "predictions": None if self.predictions is None else dict(self.predictions),
        }

    @property
    def includes_labels(self) -> bool:
        """Whether the project carries who is in which segment."""
        return any(record.labels is not None for record in self.segmentations)


# --- building a project from the analysis ---------------------------------------------------


def labels_digest(labels: pd.Series) -> str:
    """A hash of who is in which segment (ids as text and segment ids), to check a rebuild."""
    pairs = pd.Series(labels.astype("int64").to_numpy(), index=labels.index.astype(str))
    hashed = pd.util.hash_pandas_object(pairs.sort_index(), index=True).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def record_segmentation(
    segmentation: Segmentation, include_labels: bool, digest: str | None = None
) -> SegmentationRecord:
    """The stored form of a segmentation; labels only when ``include_labels``. ``digest`` is
    :func:`labels_digest` of its labels when the caller already has it."""
    labels = None
    if include_labels:
        labels = {str(k): int(v) for k, v in segmentation.labels.items()}
    return SegmentationRecord(
        segmentation.title,
        segmentation.method,
        {int(k): str(v) for k, v in segmentation.segment_names.items()},
        json.loads(json.dumps(dict(segmentation.settings), default=str)),
        digest or labels_digest(segmentation.labels),
        labels,
    )


def column_roles(schema: Schema) -> dict[str, dict[str, str]]:
    """Role, base and meaning of every column (names only: no example values, which are
    customer data)."""
    return {c.name: {"role": c.role, "base": c.base, "meaning": c.meaning} for c in schema.columns}


def apply_column_roles(schema: Schema, roles: Mapping[str, Mapping[str, str]]) -> Schema:
    """The schema with a project's roles, bases and meanings; columns the project does not know
    keep theirs, roles for columns the data lacks are ignored, and files made before meanings
    existed keep the detected ones."""
    for name, role in roles.items():
        if name not in schema.names:
            continue
        meaning = role.get("meaning")
        if meaning and meaning != schema.column(name).meaning:
            schema = schema.with_column_meaning(name, meaning)
        schema = schema.with_column(name, role=role["role"], base=role["base"])
    return schema


# --- project files --------------------------------------------------------------------------


def project_to_json(project: Project) -> str:
    """The project file's text (indented JSON, stable key order)."""
    return json.dumps(project.to_dict(), indent=2, ensure_ascii=False)


def project_from_json(text: str | bytes, file_name: str = "The project file") -> Project:
    """Read a project file, with a clear message for broken JSON, a foreign file or a newer
    version.

    >>> try:
    ...     project_from_json('{"format": "other-app", "version": 1}')
    ... except ProjectError as err:
    ...     print(str(err)[:58])
    The project file is not a Segment Studio project: its 'for
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ProjectError(
                f"{file_name} is not text (byte {err.start} cannot be read as UTF-8), so it is "
                "not a Segment Studio project. Choose a .json file saved with 'Save project'."
            ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProjectError(
            f"{file_name} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}). "
            "It may be cut short or edited by hand; save the project again, or choose the "
            "original file."
        ) from None
    return _project_from_document(document, file_name)


def _project_from_document(document: Any, source: str) -> Project:
    _check_format(document, source)
    try:
        return _parse_project(document)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ProjectError(
            f"{source} says it is a Segment Studio project but a part is missing or has the "
            f"wrong type ({type(err).__name__}: {err}). Save the project again from the app."
        ) from None


def _check_format(document: Any, source: str) -> None:
    if not isinstance(document, dict) or "format" not in document:
        shape = type(document).__name__ if not isinstance(document, dict) else "no 'format' field"
        raise ProjectError(
            f"{source} is not a Segment Studio project: it has {_a(shape)}. Choose a .json "
            "file saved with 'Save project'."
        )
    if document["format"] != FORMAT:
        raise ProjectError(
            f"{source} is not a Segment Studio project: its 'format' is "
            f"{document['format']!r}, not {FORMAT!r}. Choose a .json file saved with "
            "'Save project'."
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(
            f"{source} has version {version!r}; a project version is a whole number from 1. "
            "Save the project again from the app."
        )
    if version > VERSION:
        raise ProjectError(
            f"{source} was saved by a newer Segment Studio (project version {version}; this app "
            f"reads up to version {VERSION}). Update the app, or save the project again from the "
            "newer version."
        )


def _a(shape: str) -> str:
    return shape if shape.startswith("no ") else f"the form of a JSON {shape}, not an object"


def _parse_project(document: Mapping[str, Any]) -> Project:
    data = document["data"]
    join = data.get("join")
    info = DataInfo(
        str(data["kind"]),
        str(data["name"]),
        str(data["content_sha256"]),
        int(data["n_customers"]),
        tuple(DataFile.from_dict(item) for item in data.get("files") or ()),
        None if join is None else {str(k): str(v) for k, v in dict(join).items()},
    )
    if info.kind not in DATA_KINDS:
        raise ValueError(f"data kind {info.kind!r} is not one of {', '.join(DATA_KINDS)}")
    columns = {
        str(name): _column_record(role) for name, role in dict(document.get("columns", {})).items()
    }
    records = tuple(_parse_record(item) for item in document.get("segmentations", []))
    notes = {
        str(title): {str(k): str(v) for k, v in dict(items).items()}
        for title, items in dict(document.get("notes", {})).items()
    }
    targeting = document.get("targeting")
    predictions = document.get("predictions")
    return Project(
        info,
        columns,
        records,
        document.get("active"),
        notes,
        None if targeting is None else dict(targeting),
        dict(document.get("view", {})),
        predictions=None if predictions is None else dict(predictions),
    )


def _column_record(role: Mapping[str, Any]) -> dict[str, str]:
    """A column's role and base (required) and meaning (absent from older files)."""
    record = {"role": str(role["role"]), "base": str(role["base"])}
    return record | ({"meaning": str(role["meaning"])} if "meaning" in role else {})


def _parse_record(item: Mapping[str, Any]) -> SegmentationRecord:
    labels = item.get("labels")
    return SegmentationRecord(
        str(item["title"]),
        str(item["method"]),
        {int(k): str(v) for k, v in dict(item["segment_names"]).items()},
        dict(item.get("settings", {})),
        str(item.get("labels_sha256", "")),
        None if labels is None else {str(k): int(v) for k, v in dict(labels).items()},
    )


# --- links ----------------------------------------------------------------------------------


def link_safe(project: Project) -> Project:
    """The project without anything that could hold customer data or free text: no labels,
    no segmentations built from map selections (they list customer ids), no notes."""
    records = tuple(
        replace(record, labels=None)
        for record in project.segmentations
        if "selections" not in record.settings and record.method != "selection"
    )
    titles = {record.title for record in records}
    active = project.active if project.active in titles else None
    return replace(project, segmentations=records, active=active, notes={})


def project_to_link(project: Project) -> str:
    """A URL-safe token holding :func:`link_safe` of the project (compressed JSON).

    Raises ``ProjectError`` when the token would be too long for a URL.
    """
    document = link_safe(project).to_dict()
    packed = zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 9)
    token = LINK_PREFIX + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    if len(token) > MAX_LINK_CHARS:
        raise ProjectError(
            f"This analysis needs a {len(token):,}-character link; links must stay under "
            f"{MAX_LINK_CHARS:,} characters to open in every browser. Remove segmentations you "
            "no longer need, or use 'Save project' to share a file instead."
        )
    return token


def project_from_link(token: str) -> Project:
    """The project a :func:`project_to_link` token holds, with a clear message when the link
    is cut short, from another app, or from a newer version."""
    source = "This link"
    prefix, _, body = token.partition(".")
    if not prefix.startswith("v") or not prefix[1:].isdigit() or not body:
        raise ProjectError(
            f"{source} does not hold a Segment Studio view (it starts {token[:12]!r}). Copy the "
            "link again with 'Copy link'."
        )
    if int(prefix[1:]) > VERSION:
        raise ProjectError(
            f"{source} was made by a newer Segment Studio (link version {prefix[1:]}; this app "
            f"reads up to version {VERSION}). Open it in the newer app."
        )
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        document = json.loads(zlib.decompress(packed))
    except (binascii.Error, zlib.error, ValueError):
        raise ProjectError(
            f"{source} is damaged (it may have been cut short when it was copied). Copy the "
            "whole link again with 'Copy link'."
        ) from None
    return _project_from_document(document, source)


# --- rebuilding segmentations ---------------------------------------------------------------


def rebuild_segmentation(
    frame: pd.DataFrame, schema: Schema, record: SegmentationRecord
) -> Segmentation:
    """The segmentation a record describes, on this customer table.

    Labels are taken from the record when it carries them; otherwise they are recomputed from
    the settings (clusters, rules, RFM; map selections from the customer ids they list). The
    record's segment names are applied afterwards.
    """
    if record.labels is not None:
        labels = pd.Series(record.labels, dtype="int64")
        labels.index = _match_ids(frame, schema, labels.index)
        built = make_segmentation(record.title, record.method, labels, settings=record.settings)
    else:
        built = _recompute(frame, schema, record)
    names = {i: record.segment_names.get(i, n) for i, n in built.segment_names.items()}
    return Segmentation(record.title, record.method, built.labels, names, dict(record.settings))


def _match_ids(frame: pd.DataFrame, schema: Schema, ids: pd.Index) -> pd.Index:
    """Customer ids from JSON (text) in the data's own id type."""
    id_column = schema.id_column
    lookup = {str(v): v for v in frame[id_column]} if id_column else {}
    missing = [i for i in ids if i not in lookup]
    if missing:
        raise ProjectError(
            f"{len(missing):,} customers of the saved segments are not in this data (e.g. "
            f"{missing[0]!r}). Open the file the project was saved on."
        )
    return pd.Index([lookup[i] for i in ids], name=id_column)


def _recompute(frame: pd.DataFrame, schema: Schema, record: SegmentationRecord) -> Segmentation:
    settings = record.settings
    if "selections" in settings:
        return _with_selections(frame, schema, record)
    if record.method == "rules":
        from segmentation.segmenting.rule_conditions import rule_from_dict
        from segmentation.segmenting.rules import rules_segmentation

        rules = [rule_from_dict(r) for r in settings["rules"]]
        return rules_segmentation(
            frame, schema.id_column, rules, record.title, settings.get("reference_date")
        )
    if record.method == "rfm":
        from segmentation.segmenting.rfm import rfm_from_settings, rfm_segmentation

        columns, table = rfm_from_settings(settings)
        return rfm_segmentation(frame, schema.id_column, columns, table, record.title)
    return _recluster(frame, schema, settings)


def _recluster(frame: pd.DataFrame, schema: Schema, settings: Mapping[str, Any]) -> Segmentation:
    from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
    from segmentation.segmenting.features import FeatureConfig, prepare_features
    from segmentation.segmenting.rule_conditions import rule_from_dict
    from segmentation.segmenting.rules import filter_customers

    if "population" in settings:
        frame = filter_customers(frame, rule_from_dict(settings["population"]))
    config = FeatureConfig.from_dict(settings["features"])
    missing = [c for c in config.columns if c not in schema.names]
    if missing:
        raise ProjectError(
            f"The saved clusters use columns this data does not have: {', '.join(missing)}. "
            "Open the file the analysis was made on."
        )
    matrix = prepare_features(frame, schema, config)
    return cluster_customers(matrix, ClusterConfig(**settings["cluster"])).segmentation


def _with_selections(
    frame: pd.DataFrame, schema: Schema, record: SegmentationRecord
) -> Segmentation:
    """A segmentation made of map selections: the base (if any) plus each selection."""
    from segmentation.mapping.selection import selection_segmentation

    selections = list(record.settings["selections"])
    all_ids = pd.Index(frame[schema.id_column])
    base = None
    if record.method != "selection":
        plain = {k: v for k, v in record.settings.items() if k != "selections"}
        base = _recompute(frame, schema, replace(record, settings=plain))
    for item in selections:
        ids = _match_ids(frame, schema, pd.Index([str(i) for i in item["customer_ids"]]))
        extra = {k: v for k, v in item.items() if k not in ("name", "customer_ids")}
        base = selection_segmentation(ids, all_ids, item["name"], base, extra)
    return base
