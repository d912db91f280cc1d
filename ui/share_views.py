"""Save, resume and share: the sidebar's "Copy link" and "Save or load a project" controls,
shown on every page.

* **Links**: the URL's ``view`` query parameter always holds the current analysis as a
  :func:`segmentation.sharing.projects.project_to_link` token (data source, column roles,
  segmentation settings, targeting inputs and page settings; never customer rows or ids). It is
  rewritten at the top of every run, so it survives moving between pages. A new session opened on
  such a link restores it once; when the link was made on an uploaded file it asks for that file and
  restores as soon as a file with the same content hash is loaded.
* **Projects**: the same analysis as a JSON file to download and load back; customer labels
  and the customer table (a full offline copy) travel only when the user asks.
* **Share with data** (:mod:`ui.snapshot_views`): a ``?data=`` link opens an encrypted copy of
  the analysis with its data, handled here before ``?view=``, so it works on every page.

Page settings are the values of the session's keyed widgets whose values are plain JSON
(selects, sliders, inputs, toggles); buttons, uploaders, tables and chart selections are left
out, since Streamlit refuses to set them and some hold customer data.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
from dataclasses import replace
from typing import Any

import streamlit as st

from segmentation import CustomerData, SegmentationError, with_schema
from segmentation.predicting.columns import prediction_columns
from segmentation.segmenting.segments import Segmentation
from segmentation.sharing.analysis_copies import project_from_file, project_json_with_data
from segmentation.sharing.projects import (
    DataInfo,
    Project,
    apply_column_roles,
    column_roles,
    labels_digest,
    project_from_link,
    project_to_json,
    project_to_link,
    rebuild_segmentation,
    record_segmentation,
)
from ui import join_views, persona_state, predict_state, snapshot_views, state
from ui import segments_state as seg
from ui.messages import flash

QUERY_KEY = "view"
PENDING = "share_pending"  # (Project, "link" | "project") waiting for its data
LINK_CHECKED = "share_link_checked"
VIEW = "share_view"  # last known page settings, kept when a page's widgets are not drawn
LOADED_PROJECT = "share_loaded_project"
DIGESTS = "share_label_digests"  # segmentation title → (labels object, labels_digest)
OPENED_INFO = "share_opened_info"  # content hash → DataInfo of data opened from a copy
TARGET_CONFIG = "target_config"  # ui.target_state's key (read here to avoid importing the page)
RULE_DRAFTS = "rule_drafts"
VIEW_PREFIXES = ("seg_", "rule_", "rfm_", "map_", "persona_", "cmp_", "mon_")
SAFE_VALUE_TYPES = frozenset(
    {
        "bool_value",
        "int_value",
        "double_value",
        "string_value",
        "double_array_value",
        "int_array_value",
        "string_array_value",
    }
)


# --- what the session holds -----------------------------------------------------------------


def data_info(data: CustomerData) -> DataInfo:
    """The data source as a project describes it."""
    kind = data.source.kind
    if kind != "sample" and data.source.file_name == state.EXAMPLE_ORDERS.name:
        kind = "example"
    n_customers = int(data.report.n_customers)
    opened = st.session_state.get(OPENED_INFO, {}).get(data.source.content_sha256)
    if opened is not None:  # opened from a data link or a project with data: its files, keys
        return replace(opened, n_customers=n_customers)
    info = DataInfo(kind, data.source.name, data.source.content_sha256, n_customers)
    return join_views.joined_info(data, info)  # a joined table: both files and the keys


def current_project(include_labels: bool = False) -> Project:
    """The session's analysis as a :class:`Project`."""
    data = state.active_data()
    records = tuple(record_segmentation(s, include_labels) for s in seg.segmentations().values())
    active = seg.active_segmentation()
    config = st.session_state.get(TARGET_CONFIG)
    predictions = predict_state.current_settings(data)
    return Project(
        data_info(data),
        column_roles(data.schema),
        records,
        active.title if active else None,
        json.loads(json.dumps(persona_state.all_notes())),
        config.to_dict() if config is not None else None,
        page_settings(),
        predictions=None if predictions is None else predictions.to_dict(),
    )


def _digest(segmentation: Segmentation) -> str:
    """:func:`labels_digest`, computed once per labels object of the session (it is written
    into the link on every run)."""
    known = st.session_state.setdefault(DIGESTS, {})
    labels, digest = known.get(segmentation.title, (None, ""))
    if labels is not segmentation.labels:
        digest = labels_digest(segmentation.labels)
        known[segmentation.title] = (segmentation.labels, digest)
    return digest


def page_settings() -> dict[str, Any]:
    """Values of the session's plain keyed widgets (and the rule drafts), by key."""
    view = st.session_state.setdefault(VIEW, {})
    view.update(_widget_values())
    if RULE_DRAFTS in st.session_state:
        view[RULE_DRAFTS] = st.session_state[RULE_DRAFTS]
    return json.loads(json.dumps(view, default=str))


def _widget_values() -> dict[str, Any]:
    """Plain widget values by key, using Streamlit's widget metadata to leave out buttons,
    uploaders, editors and chart selections. Empty if Streamlit's internals change."""
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        # No public API tells a button from a slider; Streamlit's widget metadata does.
        internal = get_session_state()._state
        keys = dict(internal._key_id_mapper.id_key_mapping)
        metadata = internal._new_widget_state.widget_metadata
    except (ImportError, AttributeError):
        return {}
    values = {}
    for widget_id, key in keys.items():
        meta = metadata.get(widget_id)
        if (
            meta is None
            or meta.value_type not in SAFE_VALUE_TYPES
            or not str(key).startswith(VIEW_PREFIXES)
            or key not in st.session_state
        ):
            continue
        value = st.session_state[key]
        if _plain(value):
            values[str(key)] = value
    return values


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


# --- restoring ------------------------------------------------------------------------------


def restore(project: Project, origin: str) -> None:
    """Resume ``project`` now if its data is available, otherwise when the user loads it."""
    st.session_state[PENDING] = (project, origin)
    _try_pending()


def _try_pending() -> None:
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    project, origin = pending
    data = _data_for(project.data)
    if data is None:
        return
    st.session_state.pop(PENDING, None)
    problems = _apply(project, data)
    what = "link" if origin == "link" else "project"
    restored = len(project.segmentations) - len(problems)
    message = (
        f"Opened the shared {what}: {restored} segmentation(s) restored on **{project.data.name}**."
    )
    if problems:
        flash("error", message + "\n\n" + "\n\n".join(problems))
    else:
        flash("success", message)
    st.rerun()


def restore_with_data(project: Project, data: CustomerData, what: str) -> None:
    """Make ``data`` (from a data link or a project file with its customer table) the session's
    data and apply ``project`` to it: nothing to upload. The table already holds any prediction
    columns, so they are kept rather than recomputed."""
    st.session_state.pop(PENDING, None)
    predictions = dict(project.predictions or {})
    table = predictions.get("table")
    if table is not None and prediction_columns(data):
        project = replace(project, predictions={**predictions, "table": None})
    state.set_active_data(data)
    problems = _apply(project, data)
    if table is not None and prediction_columns(data):
        st.session_state[predict_state.TABLE_CONFIG] = dict(table)
    st.session_state[OPENED_INFO] = {data.source.content_sha256: project.data}
    restored = len(project.segmentations) - len(problems)
    message = (
        f"Opened the {what} with its data: **{project.data.name}**, "
        f"{int(data.report.n_customers):,} customers, {restored} segmentation(s). Nothing was "
        "uploaded; your changes stay in this window and never change the shared copy."
    )
    if problems:
        flash("error", message + "\n\n" + "\n\n".join(problems))
    else:
        flash("success", message)
    st.rerun()


def _data_for(info: DataInfo) -> CustomerData | None:
    """The customer table a project was made on, or ``None`` (with a note) until it is loaded."""
    current = state.active_data()
    if current.source.content_sha256 == info.content_sha256:
        return current
    if info.kind == "sample":
        state.set_active_data(state.cached_sample())
        return state.active_data()
    if info.kind == "example":
        pending = state.example_orders()
        state.set_active_data(state.aggregate_pending(pending, pending.suggested))
        return state.active_data()
    return None


def _apply(project: Project, data: CustomerData) -> list[str]:
    """Put the project's roles, segmentations, notes, targeting and page settings in place;
    returns a message per segmentation that could not be rebuilt."""
    problems: list[str] = []
    data = _restore_predictions(project.predictions, data, problems)
    try:
        data = with_schema(data, apply_column_roles(data.schema, project.columns))
        state.set_active_data(data)
    except SegmentationError as err:
        problems.append(f"Column roles were not restored: {err}")
    seg.forget_segmentations()
    store = seg.segmentations()
    for record in project.segmentations:
        try:
            rebuilt = rebuild_segmentation(data.customers, data.schema, record)
        except SegmentationError as err:
            problems.append(f"**{record.title}** could not be rebuilt: {err}")
            continue
        if record.labels_sha256 and labels_digest(rebuilt.labels) != record.labels_sha256:
            problems.append(
                f"**{record.title}** was rebuilt from its settings but its segments differ from "
                "the saved ones (the data or the app version changed). Check it on the Segments "
                "page."
            )
        store[rebuilt.title] = rebuilt
    if project.active in store:
        st.session_state[seg.ACTIVE_SEGMENTATION] = project.active
    elif store:
        st.session_state[seg.ACTIVE_SEGMENTATION] = next(iter(store))
    st.session_state[persona_state.NOTES] = {t: dict(n) for t, n in project.notes.items()}
    _apply_targeting(project.targeting)
    _apply_view(project.view)
    return problems


def _restore_predictions(values: Any, data: CustomerData, problems: list[str]) -> CustomerData:
    """The Predictions page's settings back in place and, when the project's table had
    prediction columns, those columns recomputed from the orders (before the segmentations
    that may use them are rebuilt). Links made before predictions carry none."""
    if values is None:
        return data
    from segmentation.predicting.settings import PredictionSettings

    try:
        data = predict_state.restore_settings(data, PredictionSettings.from_dict(dict(values)))
    except (SegmentationError, TypeError, ValueError, KeyError) as err:
        problems.append(f"The prediction columns were not added back: {err}")
    state.set_active_data(data)
    return data


def _apply_targeting(targeting: Any) -> None:
    if targeting is None:
        return
    from segmentation.targeting.config import TargetingConfig
    from ui.target_state import load_config

    # Inputs from another version are skipped: the Target page then starts from its defaults.
    with contextlib.suppress(TypeError, ValueError, KeyError):
        load_config(TargetingConfig.from_dict(targeting))


def _apply_view(view: Any) -> None:
    from ui import rule_views

    for key, value in dict(view).items():
        if key == RULE_DRAFTS:
            st.session_state[RULE_DRAFTS] = value
            highest = max(_draft_ids(value), default=0)
            rule_views._ids = itertools.count(highest + 1)
        elif str(key).startswith(VIEW_PREFIXES):
            st.session_state[key] = value
    st.session_state[VIEW] = dict(view)


def _draft_ids(value: Any) -> list[int]:
    found: list[int] = []
    if isinstance(value, dict):
        if isinstance(value.get("id"), int):
            found.append(value["id"])
        for item in value.values():
            found += _draft_ids(item)
    elif isinstance(value, list):
        for item in value:
            found += _draft_ids(item)
    return found


# --- the sidebar section --------------------------------------------------------------------


def render_share_controls() -> None:
    """Restore a shared link once per session, keep the URL up to date, and draw the sidebar's
    "Copy link" and project controls. Call first on every page."""
    if not st.session_state.get(LINK_CHECKED):
        st.session_state[LINK_CHECKED] = True
        _open_links()
    snapshot_views.render_revoke_confirm()
    _try_pending()
    with st.sidebar:
        _render_pending_note()
        # a popover, not an expander: its content (and the code block's script) loads only
        # when opened, which keeps every page's first paint about a second faster here
        with st.popover(
            "Copy link",
            icon=":material/link:",
            width="stretch",
            help="A link that reopens this page with the same data source, segments and settings.",
        ):
            _render_link()
        snapshot_views.render_share_with_data(
            lambda: current_project(include_labels=True),
            waiting=st.session_state.get(PENDING) is not None,
        )
        with st.expander("Save or load a project", icon=":material/save:"):
            _render_project_download()
            _render_project_upload()


def _open_links() -> None:
    """Open the URL's data link (which carries its own settings) or else its settings link,
    once per session; note a revoke link."""
    snapshot_views.check_revoke_link()
    if snapshot_views.data_link_in_url():
        opened = snapshot_views.open_data_link()
        if opened is not None:
            restore_with_data(opened.project, opened.data, "shared analysis")
        return
    token = st.query_params.get(QUERY_KEY)
    if token:
        try:
            restore(project_from_link(token), "link")
        except SegmentationError as err:
            st.error(f"{err}\n\nThe app opened as a new analysis.", icon=":material/error:")


def _render_pending_note() -> None:
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    project, origin = pending
    upload = "Upload that file on the Data page"
    if len(project.data.files) == 2:  # a joined table: both files, the second one joined
        first, second = (f.name for f in project.data.files)
        upload = f"Upload **{first}** on the Data page, then add **{second}** as a second file,"
    st.info(
        f"This {'link' if origin == 'link' else 'project'} was made on **{project.data.name}** "
        f"({project.data.n_customers:,} customers). {upload} to restore its segments and "
        "settings. Customer data never travels in a link.",
        icon=":material/upload_file:",
    )
    if st.button(
        "Forget it", key="share_forget", help="Drop the shared settings and keep working as is."
    ):
        st.session_state.pop(PENDING, None)
        st.rerun()


def _render_link() -> None:
    if st.session_state.get(PENDING) is not None:  # keep the link being restored in the URL
        st.caption(
            "The link you opened stays in the address bar until its data file is loaded on "
            "the Data page; a new link is made after that."
        )
        return
    try:
        token = project_to_link(current_project())
    except SegmentationError as err:
        st.warning(str(err), icon=":material/link_off:")
        return
    if st.query_params.get(QUERY_KEY) != token:
        st.query_params[QUERY_KEY] = token
    base = st.context.url or ""
    st.markdown(
        "Opens this page with the same data source, segments and settings. Uploaded files "
        "are not in the link: whoever opens it is asked for the file. Point at the link and "
        "click the copy icon that appears at its right."
    )
    st.code(f"{base}?{QUERY_KEY}={token}", language=None, wrap_lines=False)


def _render_project_download() -> None:
    include = st.checkbox(
        "Include customer segment labels",
        key="share_include_labels",
        help="Adds which customer is in which segment to the file. Without it the file holds "
        "only settings and names, and segments are recomputed when it is loaded.",
    )
    with_data = st.checkbox(
        "Include the customer table (a full offline copy)",
        key="share_include_data",
        help="Adds the customer table as the app holds it (and, for data made from orders, the "
        "orders) plus the segment labels, so loading the file restores everything without "
        "uploading. The file then holds customer data: store and send it as you would the "
        "data file.",
    )
    try:
        project = current_project(include_labels=include or with_data)
        if with_data:
            text = project_json_with_data(project, state.active_data())
        else:
            text = project_to_json(project)
    except SegmentationError as err:
        st.warning(str(err))
        return
    st.download_button(
        "Save project",
        text,
        file_name=f"segment-studio-project{'-with-data' if with_data else ''}.json",
        mime="application/json",
        icon=":material/download:",
        on_click="ignore",
        key="share_download",
        help="The whole analysis as a file: data source and its fingerprint, column roles, "
        "segmentations, persona notes, targeting inputs and page settings; customer rows only "
        "with 'Include the customer table'.",
    )


def _render_project_upload() -> None:
    upload = st.file_uploader(
        "Resume a project",
        type=["json"],
        key="share_upload",
        help="Load a file saved with 'Save project' to continue where it was left.",
    )
    if upload is None:
        return
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    if st.session_state.get(LOADED_PROJECT) == digest:
        return
    try:
        project, data = project_from_file(content, f"'{upload.name}'")
    except SegmentationError as err:
        st.error(f"{err}\n\nYour current analysis is unchanged.", icon=":material/error:")
        return
    st.session_state[LOADED_PROJECT] = digest
    if data is not None:
        restore_with_data(project, data, "project")
    else:
        restore(project, "project")
