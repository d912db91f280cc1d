"""The Data page's orders form: which column holds what, what counts as a purchase, and which
currency, before an orders file becomes one row per customer.

No ``st.form``: the currency choices depend on the currency column chosen, so each widget
reruns the page (cheap: the pending file is already read and typed).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import OrderColumns, SegmentationError
from segmentation.data.currencies import file_currency_shares, shares_text
from segmentation.data.customer_keys import choose_customer_key
from segmentation.data.orders import candidate_columns
from segmentation.data.words import spelled_out
from ui import state
from ui.messages import flash

NONE = "— none —"
BY_AMOUNT = "an amount column"
PER_LINE = "per line (an order's lines add up)"
PER_ORDER = "the order's total (counted once per order)"
ONLY_ONE = "Analyse only one currency"
CONVERT = "Convert with rates I confirm"
STATUS_HELP = (
    "The order or payment status (Shopify's Financial Status, WooCommerce's Order Status, "
    "Stripe's Status). Paid, completed, succeeded, fulfilled and (partly) refunded orders count "
    "as purchases; pending, failed, voided, cancelled, authorized-only, expired, on-hold, draft "
    "and trashed orders do not, and each is counted in the report."
)


def render_orders_mapping(pending: state.PendingOrders) -> None:
    """Ask for consent and the column mapping to turn an orders file into customers."""
    table, suggested = pending.table, pending.suggested
    n_ids = pending.typed.frame[suggested.customer_id].nunique()
    if pending.layout is not None:
        st.info(
            f"Looks like **{pending.layout.title}** — the mapping below is pre-filled from its "
            "layout.",
            icon=":material/auto_awesome:",
        )
    st.warning(
        f"**{table.file_name}** looks like an **orders file**: {len(table.frame):,} rows for "
        f"{n_ids:,} customers. Segments need one row per customer, so recency, frequency and "
        "monetary value can be computed from the orders. Check which column holds what, then "
        "turn the orders into customers. Until then, the data you had stays active.",
        icon=":material/receipt_long:",
    )
    with st.container(border=True, key="orders_mapping"):
        columns, problem = _mapping_inputs(pending)
        go, cancel = st.columns(2)
        submitted = go.button("Turn orders into customers", type="primary", width="stretch")
        dropped = cancel.button(
            "Cancel, keep the current data",
            width="stretch",
            help="Forget this orders file; the data you had stays active.",
        )
    if dropped:
        st.session_state.pop(state.PENDING_ORDERS, None)
        st.rerun()
    if submitted and problem:
        st.error(problem, icon=":material/error:")
    elif submitted:
        _aggregate(pending, columns)


def _key(pending: state.PendingOrders, name: str) -> str:
    """A widget key of this file's form (a new file starts from its own suggestions)."""
    return f"orders_{pending.table.content_sha256[:10]}_{name}"


def _mapping_inputs(pending: state.PendingOrders) -> tuple[OrderColumns, str | None]:
    names = list(pending.typed.frame.columns)
    suggested = pending.suggested
    candidates = candidate_columns(pending.typed)
    who = _who_and_when(pending, names, candidates)
    money = _money_inputs(pending, names, candidates)
    purchases = _purchase_inputs(pending, names)
    currency, problem = _currency_inputs(pending, names, who["order_id"])
    carried = st.multiselect(
        "Keep per customer (most frequent value)",
        names,
        default=[c for c in suggested.carried if c in names],
        key=_key(pending, "carried"),
        help="Columns such as country or channel to keep for each customer, as the value that "
        "appears most often in their orders.",
    )
    columns = OrderColumns(
        carried=tuple(carried),
        layout=suggested.layout,
        **who,
        **money,
        **purchases,
        **currency,
    )
    return columns, problem


def _who_and_when(
    pending: state.PendingOrders, names: list[str], candidates: dict[str, tuple[str, ...]]
) -> dict[str, str | None]:
    suggested = pending.suggested
    left, middle, right = st.columns(3)
    customer_id = left.selectbox(
        "Customer (id or e-mail)",
        names,
        index=names.index(suggested.customer_id),
        key=_key(pending, "customer"),
        help="The column that says which customer placed the order: a customer id, or the "
        "e-mail address (trimmed and lower-cased) when there is no id. Never an order number, a "
        "status, a country or a person's name.",
    )
    order_date = middle.selectbox(
        "Order date",
        names,
        index=names.index(suggested.order_date),
        key=_key(pending, "date"),
        help="When the order was placed; recency and tenure use it. Dates with time zones are "
        "put on one timeline.",
    )
    order_id = right.selectbox(
        "Order id (optional)",
        [NONE, *names],
        index=_index([NONE, *names], suggested.order_id),
        key=_key(pending, "order"),
        help="Invoice or order number. Lines sharing it count as one order, and fields given "
        "on an order's first line only (Shopify) apply to all its lines; orders with a "
        "negative total are cancellations or returns. Without it, each date counts as one order.",
    )
    _key_caption(pending, customer_id)
    _confirm_caption("order date", candidates["order_date"], order_date)
    phone = _phone_input(pending)
    return {
        "customer_id": customer_id,
        "order_date": order_date,
        "order_id": None if order_id == NONE else order_id,
        "phone": phone,
    }


def _key_caption(pending: state.PendingOrders, customer_id: str) -> None:
    choice = choose_customer_key(pending.typed)
    if choice.column == customer_id and choice.reason:
        st.caption(f":material/badge: Customers: '{customer_id}', because {choice.reason}.")


def _confirm_caption(what: str, candidates: tuple[str, ...], chosen: str | None) -> None:
    """Ask the user to confirm when two or more columns could be the same thing."""
    if len(candidates) < 2:
        return
    listed = " and ".join(f"'{name}'" for name in candidates[:4])
    st.caption(
        f":material/help: {len(candidates)} columns could be the {what}: {listed}. "
        f"'{chosen}' is used; please confirm it is the right one, or choose another above."
    )


def _phone_input(pending: state.PendingOrders) -> str | None:
    phones = list(pending.typed.schema.of_meaning("phone"))
    if not phones:
        return None
    use = st.checkbox(
        "Key guests without e-mail by phone",
        value=pending.suggested.phone is not None,
        key=_key(pending, "by_phone"),
        help=f"Orders without a customer id or e-mail are left out unless you tick this: then "
        f"the phone number in '{phones[0]}' (its digits, with a leading +) identifies the "
        "guest, so two orders from the same number are one customer.",
    )
    return phones[0] if use else None


def _money_inputs(
    pending: state.PendingOrders, names: list[str], candidates: dict[str, tuple[str, ...]]
) -> dict[str, str | None]:
    suggested = pending.suggested
    by_amount = (
        st.radio(
            "Order value comes from",
            [BY_AMOUNT, "quantity × unit price"],
            index=0 if suggested.amount else 1,
            horizontal=True,
            key=_key(pending, "value_source"),
            help="Use an amount column when the file has the line or order total; otherwise the "
            "value is quantity times unit price.",
        )
        == BY_AMOUNT
    )
    values = _value_inputs(pending, names, by_amount)
    if by_amount:
        _confirm_caption("amount", candidates["amount"], values["amount"])
        per = st.radio(
            "The amount is",
            [PER_LINE, PER_ORDER],
            index=1 if suggested.amount_per == "order" else 0,
            horizontal=True,
            key=_key(pending, "amount_per"),
            help="Per line: each line's amount is added up. The order's total: the amount is "
            "the whole order's, written on every line (export plugins) or on the first line "
            "only (Shopify), and is counted once per order.",
        )
        values["amount_per"] = "order" if per == PER_ORDER else "line"
    return values


def _value_inputs(
    pending: state.PendingOrders, names: list[str], by_amount: bool
) -> dict[str, str]:
    suggested = pending.suggested
    if by_amount:
        amount = st.selectbox(
            "Amount",
            names,
            index=_index(names, suggested.amount),
            key=_key(pending, "amount"),
            help="The money value of each line or order (negative for refunds).",
        )
        return {"amount": amount}
    left, right = st.columns(2)
    quantity = left.selectbox(
        "Quantity",
        names,
        index=_index(names, suggested.quantity),
        key=_key(pending, "quantity"),
        help="Units on the line (negative for cancellations).",
    )
    unit_price = right.selectbox(
        "Unit price",
        names,
        index=_index(names, suggested.unit_price),
        key=_key(pending, "unit_price"),
        help="Price of one unit.",
    )
    return {"quantity": quantity, "unit_price": unit_price}


def _purchase_inputs(pending: state.PendingOrders, names: list[str]) -> dict[str, str | None]:
    suggested = pending.suggested
    options = [NONE, *names]
    st.markdown("**What counts as a purchase**")
    left, middle, right = st.columns(3)
    status = left.selectbox(
        "Status column",
        options,
        index=_index(options, suggested.status),
        key=_key(pending, "status"),
        help=STATUS_HELP,
    )
    refund = middle.selectbox(
        "Refunded amount",
        options,
        index=_index(options, suggested.refund),
        key=_key(pending, "refund"),
        help="Money refunded on an order (Shopify's Refunded Amount, Stripe's Amount "
        "Refunded): subtracted from the order's value once per order and counted as returned. "
        "Without it, an order with the status 'refunded' is taken as refunded in full.",
    )
    test_flag = right.selectbox(
        "Test-order flag",
        options,
        index=_index(options, suggested.test_flag),
        key=_key(pending, "test"),
        help="A column marking test orders (true, yes, 1 or 'test', e.g. Stripe's mode): they "
        "are left out and counted in the report.",
    )
    picked = {"status": status, "refund": refund, "test_flag": test_flag}
    return {field: None if value == NONE else value for field, value in picked.items()}


def _currency_inputs(
    pending: state.PendingOrders, names: list[str], order_id: str | None
) -> tuple[dict[str, object], str | None]:
    """The currency column and, when it holds several currencies, the user's choice."""
    suggested = pending.suggested
    options = [NONE, *names]
    currency = st.selectbox(
        "Currency column",
        options,
        index=_index(options, suggested.currency),
        key=_key(pending, "currency"),
        help="The ISO 4217 code of each order's amounts (USD, EUR …). Amounts in different "
        "currencies are never added up: with several, analyse one of them or convert with "
        "rates you confirm.",
    )
    if currency == NONE:
        return {}, None
    shares = file_currency_shares(pending.typed.frame, currency, order_id)
    if len(shares) <= 1:
        only = shares[0][0] if shares else None
        return {"currency": currency, "only_currency": only}, None
    st.caption(f":material/payments: Orders by currency: {shares_text(shares)}.")
    _converted_hint(pending)
    how = st.radio(
        "Several currencies",
        [ONLY_ONE, CONVERT],
        horizontal=True,
        key=_key(pending, "currency_how"),
        help="Analyse one currency: the other currencies' orders are left out and counted in "
        "the report. Convert: every amount is multiplied by its currency's rate into the "
        "currency whose rate is 1.",
    )
    codes = [code for code, _ in shares]
    if how == ONLY_ONE:
        only = st.selectbox(
            "Analyse only",
            codes,
            key=_key(pending, f"only_{currency}"),
            help="Only orders in this currency are analysed (most orders first).",
        )
        return {"currency": currency, "only_currency": only}, None
    return _rates_input(pending, currency, codes)


def _converted_hint(pending: state.PendingOrders) -> None:
    converted = [
        c.name
        for c in pending.typed.schema.columns
        if c.kind == "numeric" and "converted" in spelled_out(c.name)
    ]
    if converted:
        st.caption(
            f":material/lightbulb: '{converted[0]}' holds amounts already converted into one "
            "currency: choose it as the amount (and its currency column) to need no rates."
        )


def _rates_input(
    pending: state.PendingOrders, currency: str, codes: list[str]
) -> tuple[dict[str, object], str | None]:
    start = pd.DataFrame({"currency": codes, "rate": [1.0] + [None] * (len(codes) - 1)})
    edited = st.data_editor(
        start,
        key=_key(pending, f"rates_{currency}"),
        hide_index=True,
        disabled=["currency"],
        column_config={
            "currency": st.column_config.TextColumn("Currency", help="A code of the file."),
            "rate": st.column_config.NumberColumn(
                f"Rate to {codes[0]}",
                help=f"How many {codes[0]} one unit of this currency is worth (1 for {codes[0]}).",
                min_value=0.0,
                format="%.4f",
            ),
        },
    )
    confirmed = st.checkbox(
        "These rates are right",
        key=_key(pending, f"rates_ok_{currency}"),
        help="Amounts are converted only with rates you confirm.",
    )
    rates = tuple(
        (str(code), float(rate))
        for code, rate in zip(edited["currency"], edited["rate"], strict=True)
        if pd.notna(rate)
    )
    columns = {"currency": currency, "rates": rates}
    if not confirmed:
        return columns, (
            "Confirm the conversion rates (tick 'These rates are right'), or analyse only one "
            "currency."
        )
    return columns, None


def _index(options: list[str], value: str | None) -> int:
    return options.index(value) if value in options else 0


def _aggregate(pending: state.PendingOrders, columns: OrderColumns) -> None:
    try:
        with st.spinner("Turning orders into customers…"):
            data = state.aggregate_pending(pending, columns)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        return
    state.set_active_data(data)
    currency = data.orders.currency if data.orders is not None else None
    in_currency = f", amounts in {currency}" if currency else ""
    flash(
        "success",
        f"Aggregated **{pending.table.file_name}** into {data.report.n_customers:,} customers"
        f"{in_currency}.",
    )
    st.rerun()
