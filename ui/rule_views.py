"""The Rules tab: a CRM-style rule builder with a live count and a plain-English sentence.

The rule list lives in session state as drafts (ids only); every widget keeps its own value with
``persist_state="session"``, so rules survive page switches, and the rules are rebuilt from the
widgets on each run.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.segmenting.rule_conditions import rule_columns
from segmentation.segmenting.rule_operators import OPERATORS, column_kind, operators_for
from segmentation.segmenting.rules import (
    Condition,
    Rule,
    RuleGroup,
    preview,
    rules_segmentation,
    value_options,
)
from ui import segments_state as seg

DRAFTS = "rule_drafts"
PERSIST = "session"
TEXT_OPERATORS = ("contains", "starts_with")
DEFAULT_OPERATOR = {"numeric": "between", "datetime": "within_last_days", "categorical": "equals"}
COMBINE_WORDS = {"all": "all of these", "any": "any of these"}
_ids = itertools.count(1)


def _initial(key: str, value: Any, name: str = "value") -> dict[str, Any]:
    """A widget's starting value, unless session state already holds one for its key."""
    return {} if key in st.session_state else {name: value}


def _new_condition() -> dict[str, Any]:
    return {"id": next(_ids)}


def _new_rule(number: int) -> dict[str, Any]:
    return {
        "id": next(_ids),
        "name": f"Rule {number}",
        "conditions": [_new_condition()],
        "group": None,
    }


def drafts() -> list[dict[str, Any]]:
    """The rule drafts of this session (created with one empty rule)."""
    return st.session_state.setdefault(DRAFTS, [_new_rule(1)])


def render_rule_builder(data: CustomerData) -> None:
    """Every rule with its conditions, live count and sentence; then the button that saves."""
    st.markdown(
        "Write segments the way a CRM does: conditions on columns, joined by *all* (and) or "
        "*any* (or). Rules are checked in order; a customer joins the **first** rule they match, "
        "and customers matching none go to **Other**."
    )
    columns = _rule_columns(data)
    rules: list[Rule] = []
    for position, draft in enumerate(list(drafts())):
        with st.container(border=True):
            rule = _render_rule(data, columns, draft, position)
        if rule is not None:
            rules.append(rule)
    if st.button(
        "Add a rule",
        icon=":material/add:",
        key="rule_add",
        help="Add another named rule below; it becomes another segment.",
    ):
        drafts().append(_new_rule(len(drafts()) + 1))
        st.rerun()
    _render_save(data, rules)


def current_rules(data: CustomerData) -> list[Rule]:
    """The rules as the widgets last defined them (used as population filters elsewhere)."""
    built = st.session_state.get("rule_built", {})
    rules = [built[d["id"]] for d in drafts() if d["id"] in built]
    return [rule for rule in rules if all(c in data.customers.columns for c in rule_columns(rule))]


def _rule_columns(data: CustomerData) -> list[str]:
    """Columns a rule can test: the features first, then the others, never the customer id."""
    features = list(data.schema.features())
    others = [c for c in data.customers.columns if c not in features and c != data.id_column]
    return features + others


def _render_rule(
    data: CustomerData, columns: list[str], draft: dict[str, Any], position: int
) -> Rule | None:
    rid = draft["id"]
    top = st.columns([4, 1, 1], vertical_alignment="bottom")
    name = top[0].text_input(
        "Rule name (becomes the segment name)",
        **_initial(f"rule_{rid}_name", draft["name"]),
        key=f"rule_{rid}_name",
        persist_state=PERSIST,
        help="Name the segment this rule defines, e.g. “Suburban dog lovers”.",
    )
    if position and top[1].button(
        "Move up",
        key=f"rule_{rid}_up",
        icon=":material/arrow_upward:",
        help="Rules are checked in order: move this one earlier.",
    ):
        _move_up(position)
    if top[2].button(
        "Delete", key=f"rule_{rid}_delete", icon=":material/delete:", help="Remove this rule."
    ):
        drafts().pop(position)
        st.rerun()
    try:
        group = _render_group(data, columns, draft, f"rule_{rid}")
        rule = Rule(name, group)
        _show_preview(data, rule)
    except SegmentationError as err:
        st.error(str(err), icon=":material/error:")
        return None
    st.session_state.setdefault("rule_built", {})[rid] = rule
    return rule


def _move_up(position: int) -> None:
    items = drafts()
    items[position - 1], items[position] = items[position], items[position - 1]
    st.rerun()


def _render_group(
    data: CustomerData, columns: list[str], draft: dict[str, Any], prefix: str
) -> RuleGroup:
    combine = st.radio(
        "Customers must match",
        ["all", "any"],
        format_func=COMBINE_WORDS.get,
        horizontal=True,
        key=f"{prefix}_combine",
        persist_state=PERSIST,
        help="all: every condition must hold (and). any: one is enough (or).",
    )
    items: list[Condition | RuleGroup] = []
    for condition in list(draft["conditions"]):
        item = _render_condition(data, columns, draft, condition, f"{prefix}_c{condition['id']}")
        if item is not None:
            items.append(item)
    _condition_buttons(draft, prefix)
    if draft.get("group") is not None:
        with st.container(border=True):
            st.caption("Nested group: counts as one condition of the rule above.")
            items.append(_render_group(data, columns, draft["group"], f"{prefix}_g"))
    return RuleGroup(combine, tuple(items))


def _condition_buttons(draft: dict[str, Any], prefix: str) -> None:
    left, right = st.columns(2)
    if left.button(
        "Add condition",
        key=f"{prefix}_add",
        icon=":material/add:",
        help="Add another test on a column.",
    ):
        draft["conditions"].append(_new_condition())
        st.rerun()
    if "group" not in draft:
        return
    if draft["group"] is None:
        if right.button(
            "Add a nested group",
            key=f"{prefix}_add_group",
            icon=":material/account_tree:",
            help="A group of conditions with its own all/any, e.g. (A and B) or C.",
        ):
            draft["group"] = {"id": next(_ids), "conditions": [_new_condition()]}
            st.rerun()
    elif right.button(
        "Remove the nested group",
        key=f"{prefix}_drop_group",
        icon=":material/delete:",
        help="Delete the nested group and its conditions.",
    ):
        draft["group"] = None
        st.rerun()


def _render_condition(
    data: CustomerData,
    columns: list[str],
    draft: dict[str, Any],
    condition: dict[str, Any],
    key: str,
) -> Condition | None:
    cells = st.columns([3, 2, 4, 1], vertical_alignment="bottom")
    kept = st.session_state.get(f"{key}_column")
    if kept is not None and kept not in columns:
        st.warning(
            f"This condition used the column '{kept}', which the current data does not "
            "have. Pick another column or remove the condition.",
            icon=":material/warning:",
        )
        del st.session_state[f"{key}_column"]
    column = cells[0].selectbox(
        "Column",
        columns,
        key=f"{key}_column",
        persist_state=PERSIST,
        help="The customer column to test.",
    )
    kind = column_kind(data.customers[column])
    operators = [op.key for op in operators_for(kind)]
    preferred = DEFAULT_OPERATOR.get(kind)
    if preferred in operators:
        operators.insert(0, operators.pop(operators.index(preferred)))
    operator = cells[1].selectbox(
        "Condition",
        operators,
        key=f"{key}_op_{kind}",
        format_func=lambda k: OPERATORS[k].label,
        persist_state=PERSIST,
        help="How the column is tested.",
    )
    with cells[2]:
        value = _value_input(data, column, kind, operator, _value_key(data, key, column, operator))
    if cells[3].button(
        "", key=f"{key}_delete", icon=":material/close:", help="Remove this condition."
    ):
        draft["conditions"].remove(condition)
        st.rerun()
    return Condition(column, operator, value)


def _value_key(data: CustomerData, key: str, column: str, operator: str) -> str:
    """Value widgets are keyed by data too: a kept value may not fit another file's range."""
    return f"{key}_v_{column}_{operator}_{data.source.content_sha256[:10]}"


def _value_input(data: CustomerData, column: str, kind: str, operator: str, key: str) -> Any:
    value_kind = OPERATORS[operator].value_kind
    options = value_options(data.customers[column], kind)
    if value_kind == "none":
        st.caption("No value needed.")
        return None
    if operator in TEXT_OPERATORS:
        return st.text_input(
            "Text",
            key=key,
            persist_state=PERSIST,
            help="Letters to look for (upper or lower case does not matter).",
        )
    if value_kind == "percent":
        return st.slider(
            "Percent of customers",
            1,
            100,
            20,
            key=key,
            persist_state=PERSIST,
            help="Customers in the top (or bottom) N % by this column.",
        )
    if value_kind == "days":
        return st.number_input(
            "Days",
            1,
            10_000,
            90,
            key=key,
            persist_state=PERSIST,
            help="Counted back from the latest date in this column.",
        )
    if kind == "numeric":
        return _number_input(options, value_kind, key)
    if kind == "datetime":
        return st.date_input(
            "Date",
            options.maximum or date.today(),
            key=key,
            persist_state=PERSIST,
            help="The day to compare with.",
        ).isoformat()
    return _category_input(options, value_kind, key)


def _number_cast(options) -> type:
    """int for whole-number columns with a wide range (a step of 1 suits them), else float."""
    low, high = options.minimum or 0.0, options.maximum or 0.0
    whole = float(low).is_integer() and float(high).is_integer() and high - low > 10
    return int if whole else float


def _number_input(options, value_kind: str, key: str) -> Any:
    low, high = options.minimum or 0.0, options.maximum or 0.0
    cast = _number_cast(options)
    if value_kind == "range":
        lower, upper = st.slider(
            "Range",
            cast(low),
            cast(high),
            **_initial(key, (cast(low), cast(high))),
            key=key,
            persist_state=PERSIST,
            help=f"From {low:,.2f} to {high:,.2f} in the data.",
        )
        return (lower, upper)
    return st.number_input(
        "Value",
        **_initial(key, cast(options.median or 0)),
        key=key,
        persist_state=PERSIST,
        help=f"Values in the data run from {low:,.2f} to {high:,.2f}.",
    )


def _category_input(options, value_kind: str, key: str) -> Any:
    categories = list(options.categories)
    if not categories:
        st.caption("This column has no values.")
        return None
    if value_kind == "list":
        return tuple(
            st.multiselect(
                "Values",
                categories,
                **_initial(key, categories[:1], "default"),
                key=key,
                persist_state=PERSIST,
                help="Pick one or more of the column's values.",
            )
        )
    return st.selectbox(
        "Value",
        categories,
        key=key,
        persist_state=PERSIST,
        help="One of the column's values, most common first.",
    )


def _show_preview(data: CustomerData, rule: Rule) -> None:
    result = preview(data.customers, rule)
    st.markdown(f"**{result.count:,} customers ({result.share:.1%})** · {result.sentence}")
    if result.count == 0:
        st.warning("This rule matches nobody yet: loosen a condition.", icon=":material/warning:")


def _render_save(data: CustomerData, rules: list[Rule]) -> None:
    if not rules:
        return
    title = st.text_input(
        "Name of this segmentation",
        "Rules",
        key="rule_title",
        persist_state=PERSIST,
        help="How this segmentation is listed.",
    )
    if st.button(
        "Create segments from these rules",
        type="primary",
        key="rule_save",
        help="Save the rules as a segmentation and make it active.",
    ):
        try:
            segmentation = rules_segmentation(
                data.customers, data.id_column, rules, title=title.strip() or "Rules"
            )
        except SegmentationError as err:
            st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
            return
        saved = seg.save_segmentation(segmentation)
        seg.show_overview(
            f"Saved **{saved.title}** ({saved.n_segments} rule segments and "
            "Other) and made it active."
        )


def add_rule_draft(data: CustomerData, rule: Rule) -> None:
    """Append a flat rule (conditions joined by all/any) to the builder, widgets pre-filled."""
    conditions = [item for item in rule.group.items if isinstance(item, Condition)]
    draft = {
        "id": next(_ids),
        "name": rule.name,
        "conditions": [_new_condition() for _ in conditions],
        "group": None,
    }
    prefix = f"rule_{draft['id']}"
    st.session_state[f"{prefix}_name"] = rule.name
    st.session_state[f"{prefix}_combine"] = rule.group.combine
    for condition, slot in zip(conditions, draft["conditions"], strict=True):
        _prefill(data, condition, f"{prefix}_c{slot['id']}")
    drafts().append(draft)


def _prefill(data: CustomerData, condition: Condition, key: str) -> None:
    kind = column_kind(data.customers[condition.column])
    st.session_state[f"{key}_column"] = condition.column
    st.session_state[f"{key}_op_{kind}"] = condition.operator
    value_key = _value_key(data, key, condition.column, condition.operator)
    value = condition.value
    if kind == "numeric":
        options = value_options(data.customers[condition.column], kind)
        cast = _number_cast(options)
        value = tuple(cast(v) for v in value) if isinstance(value, tuple) else cast(value)
    if value is not None:
        st.session_state[value_key] = value
