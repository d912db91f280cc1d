"""Each cluster explained as a rule a CRM can run: a shallow decision tree in original units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from segmentation.data.schema import Schema
from segmentation.segmenting.rule_sentences import describe
from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rule_mask
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

MAX_DEPTH = 3
FIT_SAMPLE = 20_000
MIN_LEVEL_SHARE = 0.01


@dataclass(frozen=True)
class SegmentRule:
    """The rule that best describes one segment, and how well it matches it.

    precision : share of the customers the rule selects that are in the segment.
    recall : share of the segment's customers the rule selects.
    """

    segment_id: int
    segment_name: str
    rule: Rule
    sentence: str
    precision: float
    recall: float
    matched: int


def explain_segments(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    features: tuple[str, ...],
    random_state: int = 0,
) -> tuple[SegmentRule, ...]:
    """A rule of at most three conditions per segment, found by a depth-3 decision tree.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> from segmentation.segmenting.segments import make_segmentation
    >>> raw = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)],
    ...                     "age": [str(20 + i) for i in range(40)]})
    >>> typed = infer_schema(raw)
    >>> labels = pd.Series([0] * 20 + [1] * 20, index=typed.frame["customer_id"])
    >>> rules = explain_segments(typed.frame, typed.schema,
    ...                          make_segmentation("Age", "kmeans", labels), ("age",))
    >>> rules[1].sentence, rules[1].precision, rules[1].recall
    ('customers aged 40 or over', 1.0, 1.0)
    """
    customers = frame.set_index(schema.id_column, drop=False).loc[segmentation.labels.index]
    X, specs = _explain_matrix(customers, schema, features)
    if X.shape[1] == 0:
        return ()
    labels = segmentation.labels.to_numpy()
    fit_rows = _fit_rows(len(X), random_state)
    explained = []
    for segment_id in segmentation.segment_ids:
        if segment_id == UNASSIGNED:
            continue
        target = labels == segment_id
        path = _best_path(X[fit_rows], target[fit_rows], specs, random_state)
        if not path:
            continue
        rule = Rule(segmentation.segment_names[segment_id], RuleGroup("all", tuple(path)))
        explained.append(_score(customers, rule, target, segment_id))
    return tuple(explained)


def _fit_rows(n_rows: int, random_state: int) -> np.ndarray:
    if n_rows <= FIT_SAMPLE:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(random_state).choice(n_rows, FIT_SAMPLE, replace=False))


Spec = tuple[str, object, bool]  # column, category level (None for numbers), whole numbers


def _explain_matrix(
    customers: pd.DataFrame, schema: Schema, features: tuple[str, ...]
) -> tuple[np.ndarray, list[Spec]]:
    """Numbers in their own units (gaps filled with the median) and 0/1 columns per category."""
    columns: dict[tuple[str, object], np.ndarray] = {}
    for name in features:
        kind = schema.column(name).kind
        if kind == "numeric":
            values = customers[name].astype("float64")
            columns[(name, None)] = values.fillna(values.median()).to_numpy()
        elif kind in ("categorical", "boolean"):
            values = customers[name]
            shares = values.value_counts(normalize=True)
            for level in shares.index[shares >= MIN_LEVEL_SHARE]:
                columns[(name, level)] = (values == level).fillna(False).to_numpy(dtype=float)
    specs = [
        (name, level, level is None and bool(np.all(np.mod(values, 1) == 0)))
        for (name, level), values in columns.items()
    ]
    matrix = np.column_stack(list(columns.values())) if columns else np.empty((len(customers), 0))
    return matrix, specs


def _best_path(
    X: np.ndarray, target: np.ndarray, specs: list[Spec], random_state: int
) -> list[Condition]:
    """Conditions of the tree leaf with the best balance of precision and recall (F1)."""
    if target.sum() == 0:
        return []
    tree = DecisionTreeClassifier(
        max_depth=MAX_DEPTH,
        class_weight="balanced",
        min_impurity_decrease=1e-9,  # balanced weights leave ~1e-15 impurity in pure nodes
        min_samples_leaf=max(5, int(0.005 * len(X))),
        random_state=random_state,
    ).fit(X, target)
    leaves = tree.apply(X)
    best_leaf, best_f1 = None, 0.0
    for leaf in np.unique(leaves):
        inside = leaves == leaf
        hits = float((inside & target).sum())
        f1 = 2 * hits / (inside.sum() + target.sum())
        if f1 > best_f1:
            best_leaf, best_f1 = leaf, f1
    return _merge(_path_to(tree, best_leaf, specs)) if best_leaf is not None else []


def _path_to(
    tree: DecisionTreeClassifier, leaf: int, specs: list[Spec]
) -> list[tuple[str, object, str, float, bool]]:
    """(column, level, direction, threshold, integer-valued) steps from the root to a leaf."""
    structure = tree.tree_
    parent = {}
    for node in range(structure.node_count):
        for child, side in (
            (structure.children_left[node], "le"),
            (structure.children_right[node], "gt"),
        ):
            if child != -1:
                parent[child] = (node, side)
    steps = []
    node = leaf
    while node in parent:
        node, side = parent[node]
        name, level, whole = specs[structure.feature[node]]
        steps.append((name, level, side, float(structure.threshold[node]), whole))
    return steps[::-1]


def _merge(steps: list[tuple[str, object, str, float, bool]]) -> list[Condition]:
    """Readable conditions: bounds on one number merged, categories as is / is not."""
    conditions: list[Condition] = []
    bounds: dict[str, dict[str, float]] = {}
    whole_numbers: dict[str, bool] = {}
    for name, level, side, threshold, whole in steps:
        if level is not None:
            operator = "equals" if side == "gt" else "not_equals"
            conditions.append(Condition(name, operator, _plain(level)))
            continue
        limits = bounds.setdefault(name, {})
        whole_numbers[name] = whole
        if side == "gt":
            limits["low"] = max(limits.get("low", -np.inf), threshold)
        else:
            limits["high"] = min(limits.get("high", np.inf), threshold)
    for name, limits in bounds.items():
        conditions.append(_numeric_condition(name, limits, whole_numbers[name]))
    return conditions


def _numeric_condition(name: str, limits: dict[str, float], whole: bool) -> Condition:
    low, high = limits.get("low"), limits.get("high")
    if whole:
        low = None if low is None else int(np.floor(low)) + 1
        high = None if high is None else int(np.floor(high))
        if low is not None and high is not None:
            return Condition(name, "between", (low, high))
        return Condition(name, "ge", low) if low is not None else Condition(name, "le", high)
    low = None if low is None else _round(low)
    high = None if high is None else _round(high)
    if low is not None and high is not None:
        return Condition(name, "between", (low, high))
    return Condition(name, "gt", low) if low is not None else Condition(name, "le", high)


def _round(value: float) -> float:
    """Round a threshold to three significant digits, the precision a person would type."""
    if value == 0:
        return 0.0
    digits = max(0, 2 - int(np.floor(np.log10(abs(value)))))
    return round(value, digits)


def _plain(level: object) -> object:
    return level.item() if isinstance(level, np.generic) else level


def _score(customers: pd.DataFrame, rule: Rule, target: np.ndarray, segment_id: int) -> SegmentRule:
    """Precision and recall of the rule as a CRM would run it on the real columns."""
    selected = rule_mask(customers.reset_index(drop=True), rule).to_numpy()
    hits = float((selected & target).sum())
    precision = hits / selected.sum() if selected.sum() else 0.0
    recall = hits / target.sum() if target.sum() else 0.0
    return SegmentRule(
        segment_id,
        rule.name,
        rule,
        describe(rule.group),
        float(precision),
        float(recall),
        int(selected.sum()),
    )
