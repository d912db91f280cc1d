"""The Compare page's widgets, cached comparisons and renderers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.compare import crosstab_heatmap, distribution_chart, profile_radar
from segmentation.describing.comparison import (
    CHANCE,
    CORRECTIONS,
    MAX_GROUPS,
    NUMERIC_TESTS,
    REAL,
    TINY,
    ComparisonConfig,
    FeatureComparison,
    Group,
    compare_features,
    crosstab,
    group_values,
    kpi_table,
    rest_group,
    segment_group,
    standardised_means,
    unique_group_names,
)
from segmentation.describing.value_format import data_currency
from segmentation.segmenting.rfm import rfm_segmentation
from segmentation.segmenting.rfm_scoring import find_rfm_columns
from segmentation.segmenting.segments import Segmentation
from ui import segments_state as seg
from ui.cache import BoundedCache

PERSIST = "session"
SIDE_BY_SIDE = "Segments side by side"
VERSUS_REST = "One segment against all others"
RFM_OPTION = "RFM segments (computed now, not saved)"
VERDICT_MARKS = {
    REAL: "Real difference",
    TINY: "Real but tiny",
    CHANCE: "Could be chance (not real)",
}
RADAR_FEATURES = 8
_COMPARISONS = BoundedCache(max_entries=16)
_RFM = BoundedCache(max_entries=4)


@dataclass(frozen=True)
class Choice:
    """What the user picked: the groups to compare and the segmentation they mostly come from."""

    groups: tuple[Group, ...]
    key: str


def _option(segmentation: Segmentation, segment_id: int) -> str:
    return json.dumps([segmentation.title, segment_id])


def _groups_key(groups: Sequence[Group]) -> str:
    digest = hashlib.sha256()
    for group in groups:
        digest.update(group.name.encode())
        digest.update(pd.util.hash_pandas_object(pd.Series(group.customer_ids), index=False).values)
    return digest.hexdigest()


def choose_groups(active: Segmentation) -> Choice | None:
    """The mode and the 2–4 groups; shows a message and returns None when the pick is unusable."""
    mode = st.segmented_control(
        "Compare",
        [SIDE_BY_SIDE, VERSUS_REST],
        default=SIDE_BY_SIDE,
        required=True,
        key="cmp_mode",
        persist_state=PERSIST,
        help="Put 2–4 segments next to each other (they may come from different "
        "segmentations), or see how one segment differs from every other customer.",
    )
    try:
        if mode == VERSUS_REST:
            groups = _one_against_rest(active)
        else:
            groups = _side_by_side(active)
        if groups is None:
            return None
        return Choice(tuple(groups), _groups_key(groups))
    except SegmentationError as err:
        st.error(str(err), icon=":material/error:")
        return None


def _side_by_side(active: Segmentation) -> list[Group] | None:
    store = seg.segmentations()
    options = {_option(s, i): (s, i) for s in store.values() for i in s.segment_ids}
    several = len(store) > 1

    def label(option: str) -> str:
        segmentation, segment_id = options[option]
        name = segmentation.segment_names[segment_id]
        return f"{name} · {segmentation.title}" if several else name

    key = "cmp_segments"
    _drop_stale(key, options)
    default = [_option(active, i) for i in active.segment_ids[:2]]
    picked = st.multiselect(
        "Segments to compare",
        list(options),
        default=default,
        format_func=label,
        max_selections=MAX_GROUPS,
        key=key,
        persist_state=PERSIST,
        help="Pick 2 to 4 segments. With several segmentations saved, segments from different "
        "ones can be compared (customers in both then count in both).",
    )
    if len(picked) < 2:
        st.warning(
            f"{len(picked)} segment{'s' * (len(picked) != 1)} chosen: pick at least two "
            "segments to compare, or compare one segment against all others.",
            icon=":material/info:",
        )
        return None
    chosen = [options[o] for o in picked]
    names = unique_group_names(
        [s.segment_names[i] for s, i in chosen], [s.title for s, _ in chosen]
    )
    return [segment_group(s, i, n) for (s, i), n in zip(chosen, names, strict=True)]


def _drop_stale(key: str, options: object) -> None:
    """Forget a kept pick that names segments or columns no longer there (new data, new
    segmentation), so the widget starts again from its default."""
    kept = st.session_state.get(key)
    if kept is not None and not all(value in options for value in kept):
        del st.session_state[key]


def _one_against_rest(active: Segmentation) -> list[Group]:
    names = {i: active.segment_names[i] for i in active.segment_ids}
    if st.session_state.get("cmp_single") not in names:
        st.session_state.pop("cmp_single", None)
    segment_id = st.selectbox(
        "Segment",
        list(names),
        format_func=names.get,
        key="cmp_single",
        help="The segment to set against every other customer of the active segmentation.",
    )
    return [segment_group(active, segment_id), rest_group(active, segment_id)]


def method_settings() -> ComparisonConfig:
    """The test, correction and significance level (in an expander)."""
    with st.expander("How differences are tested"):
        left, middle, right = st.columns(3)
        test = left.radio(
            "Compare numbers by",
            list(NUMERIC_TESTS),
            format_func=NUMERIC_TESTS.get,
            key="cmp_test",
            persist_state=PERSIST,
            help="Medians and ranks (Mann–Whitney, Kruskal–Wallis) are not thrown by a few huge "
            "customers: best for spend and order counts. Averages (Welch's t-test, ANOVA) "
            "answer 'is the average different?'.",
        )
        correction = middle.radio(
            "Correction for many features",
            list(CORRECTIONS),
            format_func=CORRECTIONS.get,
            key="cmp_correction",
            persist_state=PERSIST,
            help="Testing 30 features at once finds some differences by luck. Benjamini–Hochberg "
            "keeps the share of false finds at 5 %; Holm keeps the chance of any false find at "
            "5 % and so reports fewer differences.",
        )
        alpha = right.select_slider(
            "Significance level",
            [0.01, 0.05, 0.1],
            value=0.05,
            key="cmp_alpha",
            help="How sure a difference must be to count as real: 0.05 = at most a 5 % risk of "
            "a chance finding (after the correction).",
        )
        st.caption(
            "Categories and yes/no columns use a chi-square test with Cramér's V. With 3–4 groups, "
            "numbers get one test across all groups (Kruskal–Wallis with epsilon², or Welch's "
            "ANOVA with eta²). A difference is *real* when it passes the corrected test and the "
            "effect is at least small by Cohen's conventions."
        )
    return ComparisonConfig(test, correction, float(alpha))


def comparison(data: CustomerData, choice: Choice, config: ComparisonConfig) -> FeatureComparison:
    """Tested differences for these groups and settings (cached per data content and groups)."""
    currency = data_currency(data)
    key = (seg.data_key(data), choice.key, json.dumps(config.to_dict(), sort_keys=True), currency)
    return _COMPARISONS.get_or_compute(
        key,
        lambda: compare_features(
            data.customers, data.schema, choice.groups, config=config, currency=currency
        ),
    )


def render_kpis(data: CustomerData, choice: Choice, result: FeatureComparison) -> None:
    """The side-by-side KPI table, persona names heading the columns."""
    categorical = [f for f in data.schema.features() if data.schema.column(f).kind == "categorical"]
    differing = [f for f in result.table["feature"] if f in categorical]
    _drop_stale("cmp_kpi_categories", categorical)
    categories = st.multiselect(
        "Top categories of",
        categorical,
        default=differing[:3],
        format_func=lambda name: data.schema.column(name).label,
        key="cmp_kpi_categories",
        persist_state=PERSIST,
        help="Category columns whose most common values to show per segment. Suggested: the "
        "categories that differ most between these segments.",
    )
    table = kpi_table(
        data.customers, data.schema, choice.groups, categories, currency=data_currency(data)
    )
    st.dataframe(
        table.formatted(), width="stretch", height=35 * (len(table.values) + 1) + 3, key="cmp_kpis"
    )


def render_differences(result: FeatureComparison) -> None:
    """Every feature's tested difference, strongest first, chance findings greyed out."""
    table = result.table
    if table.empty:
        st.info("No feature could be tested: every group needs at least two values.")
        return
    typical = "median" if result.config.numeric_test == "rank" else "average"
    st.markdown(
        f"**{result.n_real} of {len(table)} features differ for real** between "
        f"{_and(result.groups)}. Sorted by effect size; greyed rows could be chance. Group "
        f"columns show the typical value: the {typical} for numbers, the most common value "
        "for categories."
    )
    shown = pd.DataFrame({"Feature": table["feature"].map(result.label)})
    for group in result.groups:
        shown[group] = [
            result.typical_text(f, v) for f, v in zip(table["feature"], table[group], strict=True)
        ]
    shown["Verdict"] = table["verdict"].map(VERDICT_MARKS)
    shown["Effect"] = table["size"]
    shown["Strength"] = table["strength"]
    shown["Effect size"] = [
        f"{m} = {e:+.2f}" if m in ("Cohen's d", "rank-biserial r") else f"{m} = {e:.3f}"
        for m, e in zip(table["effect_measure"], table["effect"], strict=True)
    ]
    shown["p (corrected)"] = table["p_adjusted"].map(_p_text)
    shown["Test"] = table["test"]
    styled = shown.style.apply(
        lambda row: [
            "color: #9ca3af" if table.loc[row.name, "verdict"] == CHANCE else "" for _ in row
        ],
        axis=1,
    )
    st.dataframe(
        styled,
        width="stretch",
        hide_index=True,
        key="cmp_differences",
        column_config={
            "Strength": st.column_config.ProgressColumn(
                "Strength",
                min_value=0.0,
                max_value=1.0,
                format="%.2f",
                help="The effect on one 0–1 scale (like a correlation), so numbers and "
                "categories can be sorted together. 0.1 small, 0.3 medium, 0.5 large.",
            ),
            "Verdict": st.column_config.TextColumn(
                help="Real difference: passes the corrected test and the effect is at least "
                "small. Real but tiny: passes the test, but too small to matter. Could be "
                "chance: not proven (greyed)."
            ),
            "p (corrected)": st.column_config.TextColumn(
                help="Chance of a difference this big if the groups were alike, corrected for "
                "testing many features."
            ),
        },
    )
    for note in result.notes:
        st.caption(note)


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _and(names: Sequence[str]) -> str:
    quoted = [f"**{n}**" for n in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def render_distributions(data: CustomerData, choice: Choice, result: FeatureComparison) -> None:
    """Overlaid distributions for picked features and a radar of standardised means."""
    features = list(result.table["feature"])
    if not features:
        return
    _drop_stale("cmp_dist_features", features)
    left, right = st.columns([3, 1])
    picked = left.multiselect(
        "Features to look at",
        features,
        default=features[:2],
        format_func=result.label,
        max_selections=6,
        key="cmp_dist_features",
        help="Draw how these features are spread in each group. Listed from the biggest "
        "difference down.",
    )
    style = right.radio(
        "Numbers as",
        ["histogram", "box"],
        format_func={"histogram": "histograms", "box": "box plots"}.get,
        horizontal=True,
        key="cmp_dist_style",
        persist_state=PERSIST,
        help="Histograms show the whole shape; box plots show median, middle half and mean, "
        "and cope better with long tails.",
    )
    cells = st.columns(2)
    for n, feature in enumerate(picked):
        numeric = data.schema.column(feature).kind == "numeric"
        values = group_values(data.customers, data.schema, choice.groups, feature)
        cells[n % 2].plotly_chart(
            distribution_chart(values, result.label(feature), numeric, style),
            width="stretch",
            key=f"cmp_dist_{feature}",
        )
    numeric = [f for f in features if data.schema.column(f).kind == "numeric"][:RADAR_FEATURES]
    if len(numeric) >= 3:
        profile = standardised_means(data.customers, data.schema, choice.groups, numeric)
        profile.index = [result.label(f) for f in profile.index]
        st.plotly_chart(profile_radar(profile), width="stretch", key="cmp_radar")
        st.caption(
            f"The {len(profile)} numeric features that differ most. 0 is the average customer; "
            "+1 means one standard deviation above it."
        )


def render_overlap(data: CustomerData, active: Segmentation) -> None:
    """Cross-tab heatmap of two segmentations (an RFM one is offered when only one exists)."""
    store = dict(seg.segmentations())
    rfm_columns = find_rfm_columns(data.schema)
    titles = list(store)
    others = [t for t in titles if t != active.title]
    if rfm_columns is not None and not any(s.method == "rfm" for s in store.values()):
        others.append(RFM_OPTION)
    if not others:
        st.info(
            "Only one segmentation so far. Make another on the Segments page (e.g. rules or "
            "RFM) to see how the two overlap.",
            icon=":material/info:",
        )
        return
    left, right = st.columns(2)
    rows_title = left.selectbox(
        "Rows",
        titles,
        index=titles.index(active.title),
        key="cmp_overlap_rows",
        help="The segmentation whose segments are the rows.",
    )
    choices = [t for t in [*titles, RFM_OPTION] if t != rows_title and (t in others or t in store)]
    columns_title = right.selectbox(
        "Columns",
        choices,
        key="cmp_overlap_columns",
        help="The segmentation to set against it. Each row shows where that segment's "
        "customers sit in this one.",
    )
    if columns_title is None:
        return
    try:
        columns = _rfm(data, rfm_columns) if columns_title == RFM_OPTION else store[columns_title]
        table = crosstab(store[rows_title], columns)
    except SegmentationError as err:
        st.error(str(err), icon=":material/error:")
        return
    st.plotly_chart(crosstab_heatmap(table), width="stretch", key="cmp_crosstab")
    st.caption(
        f"{table.n_customers:,} customers labelled by both. Agreement (adjusted Rand index): "
        f"{table.adjusted_rand:.2f} — 1 means the same segments, 0 no more alike than chance."
    )


def _rfm(data: CustomerData, columns) -> Segmentation:
    key = (seg.data_key(data), json.dumps(columns.to_dict(), sort_keys=True))
    return _RFM.get_or_compute(
        key, lambda: rfm_segmentation(data.customers, data.id_column, columns, title="RFM")
    )
