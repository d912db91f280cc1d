"""Money in several currencies: never added up silently.

Each order's currency is read from the currency column (on the order's first line when later
lines are blank). A file in one currency is analysed in it; a file in several is analysed in one
of them (the others' orders left out and counted) or converted with rates the user confirmed.
With neither, aggregation stops and says each currency's share of orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.data.meanings import currency_codes
from segmentation.data.order_columns import Exclusion, OrderColumns
from segmentation.errors import AggregationError

MAX_CURRENCIES = 12  # more distinct codes than this is not a currency column to choose from
CODE_SHARE = 0.8  # share of distinct values that must be ISO 4217 codes


@dataclass(frozen=True)
class CurrencyPlan:
    """How amounts in several currencies become one: the analysis currency (``None`` when
    unknown), each currency's share of orders, and the rates used (empty: none converted)."""

    currency: str | None
    shares: tuple[tuple[str, float], ...]
    rates: tuple[tuple[str, float], ...] = ()


def currency_codes_of(values: pd.Series) -> pd.Series:
    """Currency codes as written, trimmed and upper-cased (blank: missing)."""
    codes = values.astype("string").str.strip().str.upper()
    return codes.mask(codes == "")


def currency_shares(codes: pd.Series) -> tuple[tuple[str, float], ...]:
    """Each currency's share of the given per-order codes (blanks left out), largest first."""
    return shares_of_counts(codes.dropna().value_counts())


def shares_of_counts(counts: pd.Series) -> tuple[tuple[str, float], ...]:
    """Each currency's share, largest first, from orders counted per currency code."""
    counts = counts[counts > 0]
    if counts.empty:
        return ()
    shares = counts / counts.sum()
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    return tuple((str(code), float(share)) for code, share in ordered)


def file_currency_shares(
    frame: pd.DataFrame, currency: str, order_id: str | None = None
) -> tuple[tuple[str, float], ...]:
    """Each currency's share of a file's orders (of its rows when orders have no id)."""
    codes = currency_codes_of(frame[currency])
    if order_id is not None and order_id in frame:
        firsts = codes.groupby(frame[order_id].astype("string"), sort=False).first()
        return currency_shares(firsts)
    return currency_shares(codes)


def shares_text(shares: tuple[tuple[str, float], ...], limit: int = 6) -> str:
    """``USD 82 %, EUR 15 %, GBP 3 %`` (the smallest beyond ``limit`` summed up)."""
    parts = [f"{code} {_percent(share)}" for code, share in shares[:limit]]
    rest = shares[limit:]
    if rest:
        parts.append(f"{len(rest)} others {_percent(sum(s for _, s in rest))}")
    return ", ".join(parts)


def _percent(share: float) -> str:
    return "<1 %" if 0 < share < 0.005 else f"{share * 100:.0f} %"


def plan_currency(name: str, codes: pd.Series, columns: OrderColumns) -> CurrencyPlan:
    """The analysis currency of orders whose per-order currency codes are ``codes``.

    Raises :class:`AggregationError` when the column does not hold currency codes, when the
    orders are in several currencies and neither one currency nor rates were chosen, and when a
    rate is missing.
    """
    return plan_from_shares(name, currency_shares(codes), columns)


def plan_from_shares(
    name: str, shares: tuple[tuple[str, float], ...], columns: OrderColumns
) -> CurrencyPlan:
    """:func:`plan_currency` from each currency's share of the orders (a whole dataset's, added
    up over its parts)."""
    _check_codes(name, shares)
    if columns.only_currency:
        return CurrencyPlan(columns.only_currency.strip().upper(), shares)
    if columns.rates:
        return _rates_plan(name, shares, columns.rates)
    if len(shares) > 1:
        raise AggregationError(_mixed_message(name, shares))
    return CurrencyPlan(shares[0][0] if shares else None, shares)


def _check_codes(name: str, shares: tuple[tuple[str, float], ...]) -> None:
    known = currency_codes()
    odd = [code for code, _ in shares if code.lower() not in known]
    if shares and len(odd) > (1 - CODE_SHARE) * len(shares):
        examples = ", ".join(repr(code) for code in odd[:4])
        raise AggregationError(
            f"The currency column '{name}' should hold ISO 4217 currency codes (USD, EUR, GBP …), "
            f"but {len(odd):,} of its {len(shares):,} values are not (e.g. {examples}). Choose "
            "another currency column, or none when the file is in one currency."
        )


def _mixed_message(name: str, shares: tuple[tuple[str, float], ...]) -> str:
    many = (
        f" That is many codes for one column: check that '{name}' is the currency of the amounts."
        if len(shares) > MAX_CURRENCIES
        else ""
    )
    return (
        f"The orders are in {len(shares)} currencies (column '{name}'): "
        f"{shares_text(shares)} of orders. Amounts in different currencies cannot be added up."
        f"{many} Choose one currency to analyse (the other currencies' orders are left out and "
        f"counted), or convert with a rate to {shares[0][0]} for each currency."
    )


def _rates_plan(
    name: str, shares: tuple[tuple[str, float], ...], rates: tuple[tuple[str, float], ...]
) -> CurrencyPlan:
    given = {code.strip().upper(): float(rate) for code, rate in rates}
    missing = [
        (code, share)
        for code, share in shares
        if not (np.isfinite(given.get(code, np.nan)) and given[code] > 0)
    ]
    if missing:
        listed = ", ".join(f"{code} ({_percent(share)} of orders)" for code, share in missing)
        raise AggregationError(
            f"No usable conversion rate for {listed} in column '{name}'. Every currency needs a "
            "rate above 0 to the analysis currency; enter one, or analyse one currency only."
        )
    analysis = next((code for code, rate in given.items() if rate == 1.0), None)
    return CurrencyPlan(analysis, shares, tuple(given.items()))


def convert(amounts: pd.Series, codes: pd.Series, plan: CurrencyPlan) -> pd.Series:
    """Amounts in the analysis currency (blank codes are taken as already in it)."""
    if not plan.rates:
        return amounts
    rate = codes.map(dict(plan.rates)).astype("float64").fillna(1.0)
    return amounts * rate.to_numpy()


def other_currencies(
    orders: pd.DataFrame, plan: CurrencyPlan, only: str | None
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """The orders in the one analysed currency (blank codes kept), the others counted."""
    if not only or "currency" not in orders:
        return orders, []
    other = orders["currency"].notna() & orders["currency"].ne(plan.currency)
    other = other.fillna(False).to_numpy(dtype=bool)
    counts = orders.loc[other, "currency"].value_counts()
    exclusions = [
        Exclusion(f"orders in {code} (only {plan.currency} is analysed)", int(n))
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return orders.loc[~other], exclusions


def currency_note(plan: CurrencyPlan, n_blank: int = 0) -> str | None:
    """One sentence for the report: the analysis currency and each currency's share."""
    if not plan.shares:
        return None
    if len(plan.shares) == 1:
        note = f"Amounts are in {plan.shares[0][0]} (the only currency in the file)."
    elif plan.rates:
        into = plan.currency or "one currency"
        rates = ", ".join(f"{code} × {rate:g}" for code, rate in plan.rates if rate != 1.0)
        note = (
            f"Amounts were converted into {into} with the rates you confirmed ({rates}); "
            f"orders by currency: {shares_text(plan.shares)}."
        )
    else:
        note = (
            f"Only orders in {plan.currency} are analysed; orders by currency: "
            f"{shares_text(plan.shares)}."
        )
    if n_blank:
        note += f" {n_blank:,} orders name no currency and are taken as {plan.currency}."
    return note
