"""The ready-made "Value × risk" segments: who is worth keeping, and who may be leaving.

Plain named rules on the prediction columns (:mod:`segmentation.predicting.columns`), so the
segmentation is an ordinary rule segmentation the user can edit on the Segments page. Value is
what a customer has been worth (historic value), high for the top :data:`HIGH_VALUE_TOP_PCT` %;
"at risk" is a churn risk level of Medium or High (an order in the next 90 days is not
likely). Predicted value is left out of the value axis on purpose: it already falls with the
churn risk, so on the sample a top-20 % "predicted CLV at risk" cell held 0 of 6,000
customers, while these cuts give the four cells 1,200–2,700 customers and about 300 valuable
customers at risk. Customers without a prediction match no rule and go to "Other".
"""

from __future__ import annotations

import pandas as pd

from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rules_segmentation
from segmentation.segmenting.segments import Segmentation

VALUE_RISK_TITLE = "Value × risk"
HIGH_VALUE_TOP_PCT = 50
VALUE_COLUMN = "historic_value"
RISK_COLUMN = "churn_risk_level"


def value_risk_rules() -> tuple[Rule, ...]:
    """The four named rules, in priority order (the first a customer matches wins)."""
    high_value = Condition(VALUE_COLUMN, "top_pct", HIGH_VALUE_TOP_PCT)
    at_risk = Condition(RISK_COLUMN, "in", ("Medium", "High"))
    staying = Condition(RISK_COLUMN, "equals", "Low")
    return (
        Rule("High value at risk", RuleGroup("all", (high_value, at_risk))),
        Rule("High value loyal", RuleGroup("all", (high_value, staying))),
        Rule("Low value lapsing", RuleGroup("all", (at_risk,))),
        Rule("Low value active", RuleGroup("all", (staying,))),
    )


def value_risk_segmentation(customers: pd.DataFrame, id_column: str) -> Segmentation:
    """The customers (with prediction columns) in the four value × risk segments and Other.

    >>> frame = pd.DataFrame({"id": list("abcde"), "historic_value": [900, 800, 10, 20, None],
    ...                       "churn_risk_level": ["High", "Low", "Medium", "Low", None]})
    >>> value_risk_segmentation(frame, "id").named_labels().tolist()
    ['High value at risk', 'High value loyal', 'Low value lapsing', 'Low value active', 'Other']
    """
    return rules_segmentation(customers, id_column, value_risk_rules(), title=VALUE_RISK_TITLE)
