"""The target list and the one-page summary, ready to download.

:func:`target_list` picks the target customers with the columns an email or ads tool needs;
the CSV and Excel exports (:mod:`segmentation.targeting.spreadsheets`, shared by every export)
neutralise text cells a spreadsheet could run as formulas;
:func:`summary_markdown` and :func:`summary_html` put the decision on one page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from segmentation.data.schema import SET_BY_HAND, Schema, normalise_name
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.config import CRITERIA, TargetingConfig, TargetingError
from segmentation.targeting.measures import find_opt_in
from segmentation.targeting.plan import TargetingPlan
from segmentation.targeting.spreadsheets import (  # noqa: F401  (the one place exports are made safe)
    FORMULA_PREFIXES,
    neutralise,
    safe_for_spreadsheets,
    to_csv_bytes,
    to_excel_bytes,
)
from segmentation.targeting.value import is_predicted

CONTACT_MEANINGS = ("person_name", "email", "phone")
_CONTACT_NAME = re.compile(r"(^|\s)(name|email|e mail|email address|phone|phone number|mobile)$")


def default_key_columns(schema: Schema) -> tuple[str, ...]:
    """Contact columns worth exporting with the target list: names, e-mails and phones (by
    their meanings, or, for columns of no particular meaning, their names) and consent."""
    picks = [
        c.name
        for c in schema.columns
        if c.role != "id"
        and (
            c.meaning in CONTACT_MEANINGS
            or (
                c.meaning == "other"
                and c.meaning_reason != SET_BY_HAND
                and _CONTACT_NAME.search(normalise_name(c.name))
            )
        )
    ]
    opt_in = find_opt_in(schema)
    return tuple(dict.fromkeys(picks + ([opt_in] if opt_in else [])))


def prediction_columns(schema: Schema) -> tuple[str, ...]:
    """The columns the Predictions page joined to the table (exported with every list)."""
    return tuple(c.name for c in schema.columns if is_predicted(c))


# --- export ---------------------------------------------------------------------------------


def target_list(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    config: TargetingConfig,
    reachable: np.ndarray | None = None,
) -> pd.DataFrame:
    """The target customers: id, segment id, segment (persona) name, segmentation, key columns,
    then the prediction columns when the table has them.

    Only customers who may be contacted when ``config.opted_in_only`` and ``reachable`` (one
    flag per row of ``frame``, see :func:`segmentation.targeting.measures.reachable_mask`) is
    given.
    """
    if not config.targets:
        raise TargetingError(
            "No target segment is chosen, so the target list would be empty. Choose at least one "
            "target segment."
        )
    missing = [c for c in config.key_columns if c not in frame.columns]
    if missing:
        raise TargetingError(f"Key columns {missing} are not in the data; choose from its columns.")
    id_column = schema.id_column or frame.columns[0]
    labels = segmentation.labels.reindex(pd.Index(frame[id_column]))
    chosen = np.array(labels.isin(config.targets).to_numpy(), dtype=bool)
    if config.opted_in_only and reachable is not None:
        chosen &= np.asarray(reachable, dtype=bool)
    picked = frame.loc[chosen]
    segment_ids = labels.to_numpy()[chosen].astype("int64")
    key_columns = [c for c in config.key_columns if c != id_column]
    key_columns += [c for c in prediction_columns(schema) if c not in key_columns]
    out = pd.DataFrame(
        {
            id_column: picked[id_column].to_numpy(),
            "segment_id": segment_ids,
            "segment": [segmentation.segment_names[i] for i in segment_ids],
            "segmentation": segmentation.title,
        }
    )
    for column in key_columns:
        out[column] = picked[column].to_numpy()
    rank = {t: n for n, t in enumerate(config.targets)}
    out["_order"] = out["segment_id"].map(rank)
    return out.sort_values(["_order", id_column]).drop(columns="_order").reset_index(drop=True)


# --- the one-page summary -------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryContext:
    """What the summary names besides the plan: the data and segmentation it is about."""

    data_name: str
    segmentation_title: str
    n_customers: int
    made_on: date = field(default_factory=date.today)


def summary_markdown(plan: TargetingPlan, context: SummaryContext) -> str:
    """A one-page Markdown summary of the targeting decision, for a decision meeting."""
    lines = [f"# Targeting summary — {context.segmentation_title}", ""]
    lines += [
        f"*{context.data_name}, {context.n_customers:,} customers, made "
        f"{context.made_on:%d %B %Y} with Segment Studio.*",
        "",
    ]
    for title, table in _summary_tables(plan):
        lines += [f"## {title}", "", *_markdown_table(table), ""]
    lines += ["## How to read this", "", *[f"- {line}" for line in _summary_notes(plan)], ""]
    return "\n".join(lines)


def summary_html(plan: TargetingPlan, context: SummaryContext) -> str:
    """The same summary as one self-contained HTML page (prints on one sheet)."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Targeting summary — {esc(context.segmentation_title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;"
        "color:#1f2937}table{border-collapse:collapse;width:100%;margin-bottom:1.2em;"
        "font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}th{background:#f3f4f6}"
        "h1{font-size:22px}h2{font-size:16px;margin-top:1.4em}.meta{color:#6b7280}"
        "@media print{body{margin:0}}</style></head><body>",
        f"<h1>Targeting summary — {esc(context.segmentation_title)}</h1>",
        f"<p class='meta'>{esc(context.data_name)}, {context.n_customers:,} customers, made "
        f"{context.made_on:%d %B %Y} with Segment Studio.</p>",
    ]
    for title, table in _summary_tables(plan):
        head = "".join(f"<th>{esc(str(c))}</th>" for c in table.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
            for row in table.itertuples(index=False)
        )
        parts.append(f"<h2>{esc(title)}</h2><table><tr>{head}</tr>{body}</table>")
    notes = "".join(f"<li>{esc(line)}</li>" for line in _summary_notes(plan))
    parts.append(f"<h2>How to read this</h2><ul>{notes}</ul></body></html>")
    return "".join(parts)


def _summary_tables(plan: TargetingPlan) -> list[tuple[str, pd.DataFrame]]:
    scores = plan.scores
    targets = set(plan.config.targets)
    ranked = pd.DataFrame(
        {
            "Rank": scores["rank"],
            "Segment": scores["segment"],
            "Customers": scores["customers"].map("{:,.0f}".format),
            "Score": scores["score"].map("{:.0f}".format),
            "Attractiveness": scores["attractiveness"].map("{:.0f}".format),
            "Ability to win": scores["ability"].map("{:.0f}".format),
            "Zone": scores["zone"],
            "Target": ["yes" if i in targets else "" for i in scores.index],
        }
    )
    weights = pd.DataFrame(
        {
            "Criterion": [c.label for c in CRITERIA],
            "Weight": [f"{plan.config.weights.get(c.key, 0):g}" for c in CRITERIA],
        }
    )
    tables = [("Segments ranked by attractiveness", ranked), ("Weights", weights)]
    if len(plan.roi):
        roi = plan.roi
        tables.append(
            (
                "ROI what-if per target",
                pd.DataFrame(
                    {
                        "Target": roi["segment"],
                        "Audience": roi["audience"].map("{:,.0f}".format),
                        "Response": roi["response_rate"].map("{:.1f} %".format),
                        "Conversions": roi["conversions"].map("{:,.0f}".format),
                        "Value per conversion": roi["value_per_conversion"].map(_shown("{:,.2f}")),
                        "Revenue": roi["revenue"].map(_shown("{:,.0f}")),
                        "Cost": roi["cost"].map("{:,.0f}".format),
                        "ROI": roi["roi"].map(_shown("{:.0%}")),
                    }
                ),
            )
        )
    if len(plan.budget):
        budget = plan.budget
        tables.append(
            (
                f"Budget split ({plan.config.budget:,.0f} in all)",
                pd.DataFrame(
                    {
                        "Target": budget["segment"],
                        "By marginal return": budget["allocated"].map("{:,.0f}".format),
                        "Expected revenue": budget["expected_revenue"].map("{:,.0f}".format),
                        "Proportional split": budget["proportional"].map("{:,.0f}".format),
                        "Its expected revenue": budget["proportional_revenue"].map(
                            "{:,.0f}".format
                        ),
                    }
                ),
            )
        )
    return tables


def _shown(pattern: str):
    """A formatter that shows a missing number as 'not known'."""
    return lambda v: "not known" if pd.isna(v) else pattern.format(v)


def _summary_notes(plan: TargetingPlan) -> list[str]:
    lines = [
        "Scores are 0–100 per criterion and combined with the weights above; zones follow the "
        "GE–McKinsey grid (attractiveness against ability to win).",
        f"Cost per contact {plan.config.cost_per_contact:,.2f}; response rates are from the data "
        "where it records responses, otherwise entered or the default "
        f"{plan.config.response_rate:g} %.",
        "The budget split assumes diminishing returns: revenue(b) = M·(1 − exp(−b/s)), where "
        "s is the cost of contacting the whole audience once and spending s returns the "
        "what-if revenue. Money goes where the next unit returns most.",
    ]
    if len(plan.budget) > 1:
        gain = plan.budget["expected_revenue"].sum() - plan.budget["proportional_revenue"].sum()
        lines.append(
            f"Split by marginal return, the budget is expected to bring {gain:,.0f} more revenue "
            "than a proportional split."
        )
    return lines + list(plan.notes)


def _markdown_table(table: pd.DataFrame) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return [header, rule, *rows]
