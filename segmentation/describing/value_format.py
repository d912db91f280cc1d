"""Values written by what they mean: a birth year as 1965, money with its currency, counts as
whole numbers, shares as percent.

A column's *style* comes from its meaning (:mod:`segmentation.data.meanings`) first and its
values second, so persona cards, Compare tables and map hovers write the same value the same
way: :func:`column_style` decides it once, :func:`format_number` writes a value in it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.data.meanings import meaning_of
from segmentation.data.schema import ColumnProfile, Schema
from segmentation.data.words import ACRONYMS, normalise_name, spelled_out

STYLES = ("money", "year", "count", "percent", "scale", "date", "plain")
MONEY_MEANINGS = frozenset(
    {"customer_value", "order_total", "line_amount", "unit_price", "refund_amount"}
)
COUNT_MEANINGS = frozenset({"order_count", "quantity"})
# the order measures the app derives (and their usual spellings) that hold money
MONEY_NAMES = frozenset(
    {
        "monetary",
        "net spend",
        "avg order value",
        "average order value",
        "aov",
        "expected order value",
        "predicted clv",
        "historic value",
        "total value",
        "total spend",
        "revenue",
        "income",
        "salary",
        "annual income",
        "yearly income",
    }
)
# names of money columns whatever their meaning ("MonthlyCharges", "unit_cost", "balance")
_MONEY_NAME = re.compile(
    r"\b(charges?|price|cost|fees?|bill|balance|amount|spend|spent|spending|revenue|income|"
    r"salary|payments?|clv|ltv|lifetime value)\b"
)
_NOT_MONEY_NAME = re.compile(
    r"\b(sensitiv\w*|score|rate|ratio|count|number|tier|level|band|rank|percent|share|"
    r"flag|type|method|category|class|group|segment|id)\b"
)
_YEAR_NAME = re.compile(r"\b(year|yr|yob)\b")
_PERCENT_NAME = re.compile(r"\b(rate|share|percent|pct|ratio|probability|risk|p order)\b")
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "BRL": "R$",
}


@dataclass(frozen=True)
class ValueFormat:
    """How one column's values are written: its style and, for money, the currency symbol."""

    style: str = "plain"
    currency: str | None = None

    def text(self, value: object) -> str:
        """One value as text ('–' when missing)."""
        return format_number(value, self.style, self.currency)


def currency_symbol(currency: str | None) -> str:
    """The symbol written before an amount: 'USD' → '$', 'CHF' → 'CHF ', none → ''.

    >>> currency_symbol("EUR"), currency_symbol("chf"), currency_symbol(None), currency_symbol("£")
    ('€', 'CHF ', '', '£')
    """
    if not currency:
        return ""
    code = str(currency).strip()
    if len(code) == 3 and code.isalpha():
        return CURRENCY_SYMBOLS.get(code.upper(), f"{code.upper()} ")
    return code


def data_currency(data: object) -> str | None:
    """The currency of a customer table's money: the orders' currency when the orders say it,
    else the one code of a currency column, else none."""
    currency = getattr(getattr(data, "orders", None), "currency", None)
    if isinstance(currency, str) and currency.strip():
        return currency.strip()
    schema, frame = getattr(data, "schema", None), getattr(data, "customers", None)
    if schema is None or frame is None:
        return None
    for name in schema.of_meaning("currency"):
        codes = frame[name].dropna().astype("string").str.strip().str.upper().unique()
        if len(codes) == 1:
            return str(codes[0])
    return None


def is_money(profile: ColumnProfile) -> bool:
    """Whether a column holds money, by its meaning or its name ('MonthlyCharges')."""
    if profile.meaning in MONEY_MEANINGS:
        return True
    words = normalise_name(profile.name)
    spelled = spelled_out(profile.name)
    if words in MONEY_NAMES or spelled in MONEY_NAMES:
        return True
    return profile.meaning == "other" and bool(
        _MONEY_NAME.search(spelled) and not _NOT_MONEY_NAME.search(spelled)
    )


def column_style(profile: ColumnProfile, values: np.ndarray | pd.Series | None = None) -> str:
    """A column's style from its meaning, name and (when given) values.

    >>> from segmentation.data.schema import ColumnProfile
    >>> year = ColumnProfile("Year_Birth", "numeric", "feature", "demographic", 0, 50, ())
    >>> column_style(year, np.array([1965.0, 1980.0]))
    'year'
    """
    if profile.kind == "datetime":
        return "date"
    if profile.kind != "numeric":
        return "plain"
    if is_money(profile):
        return "money"
    present = _present(values)
    if present is None or present.size == 0:
        return "count" if profile.meaning in COUNT_MEANINGS else "plain"
    words = normalise_name(profile.name)
    whole = bool(np.all(np.mod(present, 1) == 0))
    low, high = float(present.min()), float(present.max())
    if _YEAR_NAME.search(words) and whole and low >= 1800 and high <= 2200:
        return "year"
    if profile.meaning in COUNT_MEANINGS:
        return "count"
    if low >= 0 and high <= 1 and (_PERCENT_NAME.search(words) or not whole):
        return "percent"
    return "count" if whole else "plain"


def _present(values: np.ndarray | pd.Series | None) -> np.ndarray | None:
    if values is None:
        return None
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype("Float64")
    array = numbers.to_numpy(dtype="float64", na_value=np.nan)
    return array[~np.isnan(array)]


def format_number(value: object, style: str = "plain", currency: str | None = None) -> str:
    """A value in a style.

    >>> format_number(1965.0, "year"), format_number(1234.5, "money", "USD")
    ('1965', '$1,234')
    >>> format_number(9.5, "money", "EUR"), format_number(81.0, "money"), format_number(3, "count")
    ('€9.50', '81', '3')
    >>> format_number(0.253, "percent"), format_number(2.5, "count"), format_number(None)
    ('25%', '2.5', '–')
    """
    if value is None or value is pd.NA:
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d %b %Y") if not pd.isna(value) else "–"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "–"
    if style == "year":
        return f"{number:.0f}"
    if style == "money":
        sign, amount = ("-" if number < 0 else ""), abs(number)
        digits = f"{amount:,.0f}" if amount >= 10 else f"{amount:,.2f}"
        return f"{sign}{currency_symbol(currency)}{digits}"
    if style == "percent":
        return f"{number:.0%}"
    if style == "scale":
        return f"{number:.1f}"
    if style == "count":
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"
    if number.is_integer() or abs(number) >= 100:
        return f"{number:,.0f}"
    return f"{number:,.1f}" if abs(number) >= 10 else f"{number:,.2f}"


def value_formats(
    schema: Schema,
    frame: pd.DataFrame,
    columns: tuple[str, ...] | list[str],
    currency: str | None = None,
) -> dict[str, ValueFormat]:
    """The format of each named column of a customer table."""
    formats = {}
    for name in columns:
        profile = schema.column(name)
        values = frame[name] if name in frame.columns and profile.kind == "numeric" else None
        formats[name] = ValueFormat(column_style(profile, values), currency)
    return formats


def is_personal(profile: ColumnProfile) -> bool:
    """Whether a column holds personal data (e-mail, phone, name, street, internal id)."""
    return meaning_of(profile.meaning).personal if profile.meaning else False


def labels_of(schema: Schema, columns: Mapping[str, object] | tuple[str, ...]) -> dict[str, str]:
    """Each named column's readable label (the schema's, editable on the Data page)."""
    return {name: schema.column(name).label for name in columns}


def label_words(label: str) -> str:
    """A label as it reads inside a sentence: 'Spend on wines' → 'spend on wines', 'CLV' and
    'ID numbers' keep their capitals.

    >>> label_words("Birth year"), label_words("SMS opt-in"), label_words("Predicted CLV")
    ('birth year', 'SMS opt-in', 'predicted CLV')
    """
    first = label.split(" ", 1)[0]
    if first in ACRONYMS.values() or first[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]
