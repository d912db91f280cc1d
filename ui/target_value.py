"""Target page, first question: which column (or sum of columns) says what a customer is worth.

The answer is part of the targeting config (:attr:`TargetingConfig.value`), so it travels in
links and project files. The picker's widgets are set from the config at every run and write
back to it only when the user changes them (their ``on_change`` callbacks), so a value that
follows the data's column meanings keeps following them until the user picks another.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from segmentation import CustomerData
from segmentation.data.schema import Schema
from segmentation.targeting.config import ValueChoice
from segmentation.targeting.value import (
    WITHOUT_VALUE,
    CustomerValue,
    default_value,
    is_derived_total,
    is_predicted,
    resolve_value,
    value_label,
)
from ui.target_state import CONFIG, stored_choice

PICK = "tgt_value"
SUM = "tgt_value_sum"
SUM_OPTION = "__sum__"
NONE_OPTION = "__none__"
PICK_HELP = (
    "The money each customer is worth to you: lifetime spend, total charges, revenue, or a "
    "predicted CLV from the Predictions page. It scores value per customer and total value, and "
    "gives the ROI what-if and the budget split their revenue. Choose 'Sum of several columns' "
    "to add spend columns up, or 'None' if your data has no such column."
)
SUM_HELP = (
    "The columns whose values add up to what a customer is worth, e.g. spend on each product "
    "group (not their total as well, or it counts twice). Missing values count as 0 unless all "
    "of a customer's are missing."
)


def render_value_picker(data: CustomerData) -> CustomerValue:
    """The customer value question, answered from the config; returns the value to use."""
    schema = data.schema
    value = resolve_value(schema, stored_choice(data))
    labels = {c: value_label(schema, [c]) for c in value.candidates}
    labels |= {SUM_OPTION: "Sum of several columns", NONE_OPTION: "None: no value column"}
    options = [*value.candidates, SUM_OPTION, NONE_OPTION]
    st.session_state[PICK] = _option(value)
    left, right = st.columns([2, 3])
    left.selectbox(
        "What is a customer worth?",
        options,
        format_func=labels.get,
        key=PICK,
        placeholder="Choose the column with customer value",
        on_change=_picked,
        args=(schema,),
        help=PICK_HELP,
    )
    if value.choice.mode == "sum":
        st.session_state[SUM] = [c for c in value.choice.columns if c in value.candidates]
        right.multiselect(
            "Columns to add up",
            list(value.candidates),
            format_func=labels.get,
            key=SUM,
            placeholder="Choose two or more columns",
            on_change=_summed,
            help=SUM_HELP,
        )
    _explain(value)
    return value


def _option(value: CustomerValue) -> str | None:
    """The picker's option for a resolved value (``None``: nothing chosen yet)."""
    if value.status == "none":
        return NONE_OPTION
    if value.choice.mode == "sum":
        return SUM_OPTION
    return value.columns[0] if value.columns else None


def _explain(value: CustomerValue) -> None:
    if value.status == "meaning":
        st.caption(
            f":material/link: {value.reason} It follows the columns' meanings: change a meaning "
            "on the Data page, or pick another column here."
        )
    elif value.status == "chosen":
        st.caption(f":material/check: Customer value: **{value.label}**. {value.reason}")
    elif value.status == "none":
        st.info(WITHOUT_VALUE, icon=":material/info:")
    else:
        st.info(
            f"**Which column says what a customer is worth?** {value.reason} Meanwhile the "
            "page works without one: value-based scores and revenue figures wait for it.",
            icon=":material/help:",
        )


def _picked(schema: Schema) -> None:
    """The user picked an option: keep it as the config's choice."""
    picked = st.session_state.get(PICK)
    default = default_value(schema)
    if picked is None:
        choice = ValueChoice()
    elif picked == NONE_OPTION:
        choice = ValueChoice("none")
    elif picked == SUM_OPTION:
        choice = ValueChoice("sum", _sum_suggestion(schema, default))
    elif default.status == "meaning" and default.columns == (picked,):
        choice = ValueChoice()  # the suggested column: keep following the meanings
    else:
        choice = ValueChoice("column", (picked,))
    _keep(choice)


def _summed() -> None:
    _keep(ValueChoice("sum", tuple(st.session_state.get(SUM) or ())))


def _sum_suggestion(schema: Schema, default: CustomerValue) -> tuple[str, ...]:
    """The columns a new sum starts from: every customer-value column when several are,
    else the suggested value column."""
    spends = [
        c
        for c in default.candidates
        if schema.column(c).meaning == "customer_value"
        and not is_predicted(schema.column(c))
        and not is_derived_total(schema.column(c))  # the parts, not their total as well
    ]
    return tuple(spends) if len(spends) > 1 else default.columns


def _keep(choice: ValueChoice) -> None:
    config = st.session_state.get(CONFIG)
    if config is not None:
        st.session_state[CONFIG] = replace(config, value=choice)
