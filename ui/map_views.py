"""The Map page's parts: settings, the map (or its progress), and the lasso selection."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.map import customer_map, map_preview
from segmentation.describing.example_customer import personal_key
from segmentation.describing.profiles import money_source
from segmentation.describing.value_format import (
    data_currency,
    is_personal,
    label_words,
    value_formats,
)
from segmentation.mapping.embedding import (
    METRICS,
    Embedding,
    EmbeddingConfig,
    check_embedding_input,
    map_view,
    quick_projection,
)
from segmentation.mapping.selection import describe_selection, selected_ids, selection_segmentation
from segmentation.segmenting.features import FeatureMatrix
from segmentation.segmenting.segments import Segmentation
from ui import map_state
from ui import segments_state as seg
from ui.messages import flash

PERSIST = "session"
METRIC_WORDS = {
    "euclidean": "Straight-line (Euclidean)",
    "manhattan": "City-block (Manhattan)",
    "cosine": "Mix of traits (cosine)",
}
POINT_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
COLOUR_KINDS = ("numeric", "categorical", "boolean", "datetime")
SEGMENT = "segment"


def render_settings(data: CustomerData) -> EmbeddingConfig:
    """The map settings (neighbours, spacing, distance, 2-D/3-D, seed) in an expander."""
    with st.expander("Map settings", icon=":material/tune:"):
        left, middle, right = st.columns(3)
        neighbours = left.slider(
            "Neighbours",
            2,
            100,
            15,
            key="map_neighbours",
            persist_state=PERSIST,
            help="How many similar customers each customer is compared with. Few (5–10) show "
            "local detail: small, tight groups. Many (50+) show the big picture: how the large "
            "groups relate to each other.",
        )
        spacing = middle.slider(
            "Minimum distance",
            0.0,
            0.99,
            0.5,
            0.05,
            key="map_min_dist",
            persist_state=PERSIST,
            help="How tightly similar customers may pack together. Low values give dense clumps "
            "that make groups easy to lasso; high values spread points out evenly.",
        )
        metric = right.selectbox(
            "Distance between customers",
            METRICS,
            format_func=METRIC_WORDS.get,
            key="map_metric",
            persist_state=PERSIST,
            help="How two customers' differences add up. Straight-line suits most data; "
            "city-block is less swayed by one very different trait; mix of traits compares the "
            "profile's shape, not its size.",
        )
        left, right = st.columns(2)
        dims = left.radio(
            "View",
            ("2-D", "3-D"),
            horizontal=True,
            key="map_dims",
            persist_state=PERSIST,
            help="2-D is flat and lets you lasso customers. 3-D can be rotated to see groups "
            "hidden behind each other; selecting works only in 2-D.",
        )
        random_state = right.number_input(
            "Random seed",
            0,
            10_000,
            42,
            key="map_seed",
            persist_state=PERSIST,
            help="Fixes the random start: the same settings and seed always draw the same map.",
        )
    return EmbeddingConfig(
        n_neighbors=int(neighbours),
        min_dist=float(spacing),
        metric=str(metric),
        n_components=3 if dims == "3-D" else 2,
        random_state=int(random_state),
    )


def render_view_controls(
    data: CustomerData, segmentation: Segmentation | None
) -> tuple[str, tuple[str, ...] | None, int]:
    """Colour by, which segments to show, and how many points to draw."""
    left, middle, right = st.columns([2, 3, 1.4])
    columns = [
        c.name
        for c in data.schema.columns
        if c.kind in COLOUR_KINDS and c.role != "id" and not is_personal(c)
    ]
    if st.session_state.get("map_colour") not in [SEGMENT, *columns]:
        st.session_state.pop("map_colour", None)
    colour_by = left.selectbox(
        "Colour by",
        [SEGMENT, *columns],
        format_func=lambda c: "Segment" if c == SEGMENT else data.schema.column(c).label,
        key="map_colour",
        help="Colour points by their segment, or by any column to see how it varies across the "
        "map (a colour scale for numbers, a legend for categories).",
    )
    shown = None
    if segmentation is not None:
        names = [segmentation.segment_names[i] for i in segmentation.segment_ids]
        picked = middle.multiselect(
            "Show segments",
            names,
            default=names,
            key=f"map_segments_{segmentation.title}",
            help="Show only these segments on the map; remove a segment to hide its customers.",
        )
        shown = tuple(picked) if len(picked) < len(names) else None
        if not picked:
            shown = ()
    n_customers = len(data.customers)
    choices = [n for n in POINT_CHOICES if n < n_customers] + [n_customers]
    default = min(10_000, n_customers)
    default = max((n for n in choices if n <= default), default=choices[0])
    if st.session_state.get("map_points") not in choices:
        st.session_state.pop("map_points", None)
    points = right.select_slider(
        "Points drawn",
        choices,
        value=default,
        format_func=lambda n: f"{n:,}",
        key="map_points",
        help="How many customers are drawn. Above this number a sample keeping every "
        "segment's share is drawn (the map itself still covers everyone); more points show "
        "more detail but make the page slower.",
    )
    return str(colour_by), shown, int(points)


def prepare(
    data: CustomerData, segmentation: Segmentation | None, config: EmbeddingConfig
) -> tuple[FeatureMatrix, str] | None:
    """The features to map and the map's content key, or None after showing why not."""
    try:
        matrix = map_state.map_features(data, segmentation)
        check_embedding_input(matrix.X, config)
    except SegmentationError as err:
        st.error(f"{err}", icon=":material/error:")
        return None
    key = map_state.map_key(data, matrix, config)
    st.session_state[map_state.CURRENT_MAP] = key
    return matrix, key


def render_map_or_progress(
    key: str, matrix: FeatureMatrix, config: EmbeddingConfig, max_points: int = 5_000
) -> Embedding | None:
    """The finished map, or a progress panel (updated every 0.3 s) and a quick preview while
    it computes."""
    try:
        result = map_state.request(key, matrix, config)
    except SegmentationError as err:
        st.error(f"The map could not be drawn: {err}", icon=":material/error:")
        return None
    if isinstance(result, Embedding):
        return result
    # not `with st.status(...)`: leaving that block marks the status complete (a tick) while
    # the map is still computing
    status = st.status(
        f"Drawing the map of {len(matrix.X):,} customers…", expanded=True, state="running"
    )
    status.caption(
        "You can keep working on other pages meanwhile; the map keeps computing and "
        "appears here when it is ready."
    )
    with status.container():
        _progress(key)
    _preview(matrix, max_points)
    return None


def _preview(matrix: FeatureMatrix, max_points: int) -> None:
    """A straight-line projection of the same customers, drawn at once while UMAP computes."""
    coords = quick_projection(matrix.X, max_points)
    st.plotly_chart(
        map_preview(coords, len(matrix.X)),
        key="map_preview",
        on_select="ignore",
        config={"displaylogo": False},
    )
    st.caption(
        "A first look: customers spread along their two broadest differences. The map "
        "replaces it when ready and separates groups this view may overlap; selecting "
        "customers works on the map."
    )


@st.fragment(run_every=0.3)
def _progress(key: str) -> None:
    if map_state.finished(key):
        st.rerun(scope="app")
    job = map_state.job(key)
    if job is not None:
        st.progress(job.share, text=f"{job.text} ({job.elapsed:.0f} s)")


def hover_columns(data: CustomerData, matrix: FeatureMatrix) -> tuple[str, ...]:
    """A few key attributes for the hover box: spend (the customer-value meaning), then one
    column per segmentation base; personal data (e-mails, names, phones …) never."""
    schema = data.schema
    chosen = []
    source = money_source(schema)
    if source is not None:
        chosen.append(source.column or source.columns[0])
    for base in ("demographic", "geographic", "behavioral", "psychographic"):
        for column in matrix.config.columns:
            if column in schema.names and schema.column(column).base == base:
                if column not in chosen:
                    chosen.append(column)
                break
    return tuple(c for c in chosen if not is_personal(schema.column(c)))[:4]


def hover_names(data: CustomerData, ids: pd.Index) -> pd.Series | None:
    """How the hover names customers: by row ("Customer #12") when the customer key is personal
    data such as an e-mail address; None keeps "Customer <id>"."""
    if not personal_key(data.schema, ids.to_numpy(dtype=object)[:200]):
        return None
    rows = pd.Series(range(1, len(ids) + 1), index=ids).astype("string")
    return "Customer #" + rows


def render_map(
    data: CustomerData,
    segmentation: Segmentation | None,
    embedding: Embedding,
    key: str,
    view_controls: tuple[str, tuple[str, ...] | None, int],
    matrix: FeatureMatrix,
) -> None:
    """Draw the map; a lasso or box selection on it becomes the session's selection."""
    colour_by, shown, max_points = view_controls
    customers = data.customers.set_index(data.schema.id_column, drop=False)
    names = (
        segmentation.named_labels()
        if segmentation is not None
        else pd.Series("All customers", index=customers.index)
    )
    order = (
        tuple(segmentation.segment_names[i] for i in segmentation.segment_ids)
        if segmentation is not None
        else ()
    )
    try:
        view = map_view(
            embedding,
            customers,
            names,
            colour_by,
            shown,
            max_points,
            hover_columns(data, matrix),
            segment_order=order,
        )
    except SegmentationError as err:
        st.warning(str(err), icon=":material/visibility_off:")
        return
    schema = data.schema
    described = "segment" if colour_by == SEGMENT else label_words(schema.column(colour_by).label)
    shown_columns = [*view.hover_columns] + ([] if colour_by == SEGMENT else [colour_by])
    figure = customer_map(
        view,
        f"Your customers, coloured by {described}",
        labels={c: schema.column(c).label for c in shown_columns},
        formats=value_formats(schema, data.customers, shown_columns, data_currency(data)),
        names=hover_names(data, customers.index),
    )
    three_d = embedding.config.n_components == 3
    chart_key = f"map_chart_{key[:16]}"
    st.plotly_chart(
        figure,
        key=chart_key,
        on_select="ignore" if three_d else _on_select(chart_key, key, embedding),
        selection_mode=("lasso", "box"),
        config={"displaylogo": False, "scrollZoom": True},
    )
    notes = [view.note, *embedding.notes]
    hint = (
        "Drag the map to rotate it; switch to 2-D under Map settings to select customers."
        if three_d
        else "Drag a lasso around customers (or pick the box tool in the chart's toolbar) to "
        "see what sets them apart and keep them as a segment. Double-click to clear."
    )
    st.caption(
        " ".join(n for n in notes if n)
        + " Nearby points are similar customers; the axes have no units. "
        + hint
    )


def _on_select(chart_key: str, key: str, embedding: Embedding):
    def store() -> None:
        event = st.session_state.get(chart_key) or {}
        selection = event.get("selection", {}) if hasattr(event, "get") else {}
        points = selection.get("points", [])
        drew = bool(selection.get("lasso") or selection.get("box"))
        ids = selected_ids(points, embedding.coords.index)
        if not drew and not len(ids):
            map_state.clear_selection()
            return
        st.session_state[map_state.SELECTION] = {"map": key, "ids": list(ids)}

    return store


def render_selection(
    data: CustomerData,
    segmentation: Segmentation | None,
    matrix: FeatureMatrix,
    key: str,
    ready: bool,
) -> None:
    """What the selected customers have in common, and saving them as a segment."""
    selection = st.session_state.get(map_state.SELECTION)
    if not selection:
        return
    if selection.get("map") != key:
        if not ready:
            st.info(
                "The map is still being drawn, so a selection cannot be used yet. Wait until "
                "the map appears, then drag a lasso around customers on it.",
                icon=":material/hourglass_top:",
            )
        else:
            st.info(
                "Your earlier selection was made on a map with other settings, so it was "
                "cleared. Select customers again on this map.",
                icon=":material/info:",
            )
            map_state.clear_selection()
        return
    customers = data.customers.set_index(data.schema.id_column, drop=False)
    ids = customers.index[customers.index.isin(selection["ids"])]
    st.subheader("Your selection")
    if len(ids) == 0:
        st.warning(
            "Your selection contains no customers. Drag the lasso (or box) around some points "
            "on the map.",
            icon=":material/select:",
        )
        return
    try:
        summary = describe_selection(customers, data.schema, ids, matrix.config.columns)
    except SegmentationError as err:
        st.warning(str(err))
        return
    st.markdown(
        f"**{summary.n_selected:,} customers** selected ({summary.share:.1%} of all). "
        "Where they differ most from everyone else:"
    )
    _difference_table(summary.differences)
    _save_form(data, segmentation, ids)


def _difference_table(differences) -> None:
    if differences.empty:
        st.caption("They do not differ clearly from everyone else in any feature.")
        return
    shown = differences.assign(
        difference=[
            f"{direction} ({_strength(effect)})"
            for direction, effect in zip(
                differences["direction"], differences["effect"], strict=True
            )
        ]
    )[["feature", "selected", "everyone_else", "difference", "effect"]]
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "feature": st.column_config.TextColumn("Feature"),
            "selected": st.column_config.TextColumn("Selected customers"),
            "everyone_else": st.column_config.TextColumn("Everyone else"),
            "difference": st.column_config.TextColumn("Difference"),
            "effect": st.column_config.NumberColumn(
                "Effect size",
                format="%.2f",
                help="Standardised difference: Cohen's d for numbers, Cohen's h for a "
                "category's share. About 0.2 is small, 0.5 medium, 0.8 or more large.",
            ),
        },
    )


def _strength(effect: float) -> str:
    size = abs(effect)
    return "large" if size >= 0.8 else "medium" if size >= 0.5 else "small"


def _save_form(data: CustomerData, segmentation: Segmentation | None, ids) -> None:
    with st.form("map_save_selection", border=True):
        name = st.text_input(
            "Segment name",
            value="Map selection",
            max_chars=60,
            help="How the new segment is called on every page.",
        )
        options = ["new"] + (["add"] if segmentation is not None else [])
        target = st.radio(
            "Save as",
            options,
            format_func=lambda o: (
                "A new segmentation: these customers vs everyone else"
                if o == "new"
                else f"A new segment in '{segmentation.title}' (they leave their old segments)"
            ),
            help="A new segmentation keeps the active one untouched. Adding makes a copy of the "
            "active segmentation in which these customers form their own segment.",
        )
        saved = st.form_submit_button(
            "Save as a segment", type="primary", icon=":material/bookmark_add:"
        )
    left, _ = st.columns([1, 3])
    if left.button("Clear selection", key="map_clear", help="Forget the selected customers."):
        map_state.clear_selection()
        st.rerun()
    if not saved:
        return
    all_ids = data.customers[data.schema.id_column]
    try:
        new = selection_segmentation(
            ids,
            pd.Index(all_ids),
            name,
            base=segmentation if target == "add" else None,
        )
    except SegmentationError as err:
        st.error(f"{err} Nothing was saved.", icon=":material/error:")
        return
    stored = seg.save_segmentation(new)
    map_state.clear_selection()
    flash(
        "success",
        f"Saved **{ids.size:,} customers** as '{name.strip()}' in **{stored.title}**, now the "
        "active segmentation on every page.",
    )
    st.rerun()
