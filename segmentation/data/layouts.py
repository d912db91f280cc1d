"""Platform layouts: the exports marketers actually have, recognised by their headers.

Each layout is data (:data:`LAYOUTS`): the platform's name, whether its rows are customers or
orders, the headers that identify it (its *signature*), what each published header means (a
key of :data:`segmentation.data.meanings.MEANINGS`), which header(s) hold the customer key, and
for orders the rules that turn its lines into purchases (:class:`OrderRules`: the order date,
the amount and whether it is per line or per order, status, refund, test flag, currency).
Headers are matched case-insensitively, ignoring surrounding spaces; a file may have extra
columns or lack optional ones, only the signature must be there. Adding a platform is one
more :class:`Layout` entry, with the source of its column list.

>>> detect_layout(["Name", "Email", "Financial Status", "Created at", "Lineitem quantity",
...                "Lineitem name", "Total"]).name
'Shopify orders export'
>>> detect_layout(["customer_id", "order_date", "amount"]) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from segmentation.data.meanings import meaning_of
from segmentation.data.orders import OrderColumns, default_carried, detect_orders
from segmentation.data.schema import ColumnProfile, Schema, TypedTable, infer_schema

DERIVED_KEY = "Customer key"  # the column a layout with a fallback key adds (first filled)
_NOT_CARRIED = frozenset({"order_status", "refund_amount", "test_order", "currency", "free_text"})


@dataclass(frozen=True)
class OrderRules:
    """How an orders layout's lines become purchases; each header may be a tuple of spellings
    the platform has used (the first one present is taken).

    ``amount_per`` is ``"order"`` when the amount is the whole order's total, given on the first
    line only (Shopify) or repeated on every line (WooCommerce export plugins), else ``"line"``.
    """

    date: str | tuple[str, ...]
    amount: str | tuple[str, ...]
    amount_per: str = "line"
    order_id: str | tuple[str, ...] | None = None
    status: str | tuple[str, ...] | None = None
    refund: str | tuple[str, ...] | None = None
    test_flag: str | tuple[str, ...] | None = None
    currency: str | tuple[str, ...] | None = None
    quantity: str | tuple[str, ...] | None = None
    unit_price: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Layout:
    """One platform's export: how to recognise it and what its columns mean.

    ``customer_key`` lists the headers that identify the customer, the first filled one per row
    winning (Stripe payments: the customer id, else the e-mail of a guest); ``quoted`` the
    headers the platform writes with a leading apostrophe so spreadsheets keep them as text.
    """

    key: str
    name: str
    rows: str
    signature: tuple[str, ...]
    meanings: dict[str, str] = field(repr=False)
    customer_key: tuple[str, ...] = ()
    orders: OrderRules | None = None
    quoted: tuple[str, ...] = ()
    source: str = ""
    _folded: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._folded.update({_fold(h): h for h in self.meanings})
        missing = [h for h in (*self.signature, *self.customer_key) if _fold(h) not in self._folded]
        if missing or self.rows not in ("orders", "customers"):
            raise ValueError(f"Layout {self.key!r}: {missing or self.rows} not in its meanings.")

    @property
    def title(self) -> str:
        """'a Shopify orders export': the layout as the Data page names it."""
        return f"a {self.name}"

    def meaning(self, header: str) -> str | None:
        """The meaning of one header of this layout (any case), or ``None``."""
        published = self._folded.get(_fold(header))
        return None if published is None else self.meanings[published]


def _fold(header: object) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).casefold()


def _meanings(**groups: str) -> dict[str, str]:
    """Header → meaning from ``meaning="Header | Header"`` groups: a layout reads as a table."""
    return {h.strip(): meaning for meaning, headers in groups.items() for h in headers.split("|")}


_SHOPIFY_ORDER_OTHER = (
    "Fulfillment Status | Fulfilled at | Subtotal | Shipping | Taxes | Discount Code | Discount "
    "Amount | Shipping Method | Lineitem name | Lineitem compare at price | Lineitem sku | "
    "Lineitem requires shipping | Lineitem taxable | Lineitem fulfillment status | Billing "
    "Company | Shipping Company | Payment Method | Vendor | Outstanding Balance | Employee | "
    "Location | Risk Level | Source | Lineitem discount | Tax 1 Name | Tax 1 Value | Tax 2 Name "
    "| Tax 2 Value | Tax 3 Name | Tax 3 Value | Tax 4 Name | Tax 4 Value | Tax 5 Name | Tax 5 "
    "Value | Paid at | Cancelled at | Duties | Payment Terms Name | Next Payment Due At"
)

LAYOUTS: tuple[Layout, ...] = (
    # Shopify admin → Orders → Export. One row per line item; order-level fields (status,
    # totals, refunds, addresses, Id) on the order's first line only. Columns as published in
    # https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders and as
    # written verbatim by real exports (e.g. https://docs.xbp.app/docs/development/
    # integrations/shopify/order-format); status values from https://help.shopify.com/en/
    # manual/migrating-to-shopify/transporter-app/csv-orders.
    Layout(
        "shopify_orders", "Shopify orders export", "orders",
        signature=("Financial Status", "Lineitem quantity", "Lineitem name", "Created at"),
        meanings=_meanings(
            order_key="Name", email="Email", order_status="Financial Status",
            consent="Accepts Marketing", currency="Currency", order_total="Total",
            order_date="Created at", quantity="Lineitem quantity", unit_price="Lineitem price",
            person_name="Billing Name | Shipping Name",
            street_address="Billing Street | Billing Address1 | Billing Address2 | Shipping "
            "Street | Shipping Address1 | Shipping Address2",
            city="Billing City | Shipping City", postcode="Billing Zip | Shipping Zip",
            region="Billing Province | Shipping Province | Billing Province Name | Shipping "
            "Province Name", country="Billing Country | Shipping Country",
            phone="Billing Phone | Shipping Phone | Phone", free_text="Notes | Note Attributes",
            refund_amount="Refunded Amount", tags="Tags",
            internal_id="Id | Payment Reference | Device ID | Receipt Number | Payment ID | "
            "Payment References",
            other=_SHOPIFY_ORDER_OTHER,
        ),
        customer_key=("Email",),  # the export has no customer id
        orders=OrderRules(
            date="Created at", amount="Total", amount_per="order", order_id="Name",
            status="Financial Status", refund="Refunded Amount", currency="Currency",
        ),
        source="https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders",
    ),
    # Shopify admin → Customers → Export. One row per customer; ids, phones and zips written
    # with a leading apostrophe. Columns: https://help.shopify.com/en/manual/customers/
    # import-export-customers (the header real exports carry).
    Layout(
        "shopify_customers", "Shopify customers export", "customers",
        signature=("First Name", "Last Name", "Email", "Total Spent", "Total Orders"),
        meanings=_meanings(
            customer_key="Customer ID", person_name="First Name | Last Name", email="Email",
            consent="Accepts Email Marketing | Accepts SMS Marketing | Accepts Marketing",
            other="Default Address Company | Company | Tax Exempt",
            street_address="Default Address Address1 | Default Address Address2 | Address1 | "
            "Address2", city="Default Address City | City",
            region="Default Address Province Code | Province Code | Province",
            country="Default Address Country Code | Country Code | Country",
            postcode="Default Address Zip | Zip", phone="Default Address Phone | Phone",
            customer_value="Total Spent", order_count="Total Orders", free_text="Note",
            tags="Tags",
        ),
        customer_key=("Customer ID",),
        quoted=("Customer ID", "Phone", "Default Address Phone", "Default Address Zip", "Zip"),
        source="https://help.shopify.com/en/manual/customers/import-export-customers",
    ),
    # WooCommerce "Advanced Order Export For WooCommerce" (the common Order Export plugin),
    # default fields, one row per line item with the order's totals repeated on every line:
    # https://wordpress.org/plugins/woo-order-export-lite/ (column names as the plugin writes
    # them, e.g. "Quantity (- Refund)", "Order Total Amount").
    Layout(
        "woocommerce_orders", "WooCommerce orders export", "orders",
        signature=("Order Number", "Order Status", "Order Date", "Order Total Amount"),
        meanings=_meanings(
            order_key="Order Number", order_status="Order Status", order_date="Order Date",
            free_text="Customer Note",
            person_name="First Name (Billing) | Last Name (Billing) | Full Name (Billing) | "
            "First Name (Shipping) | Last Name (Shipping)",
            other="Company (Billing) | Payment Method Title | Shipping Method Title | SKU | "
            "Item # | Item Name | Name | Product Variation | Coupon Code | Cart Discount Amount "
            "| Order Subtotal Amount | Order Shipping Amount | Order Total Tax Amount | Quantity",
            street_address="Address 1&2 (Billing) | Address 1&2 (Shipping)",
            city="City (Billing) | City (Shipping)",
            region="State Code (Billing) | State Code (Shipping)",
            postcode="Postcode (Billing) | Postcode (Shipping)",
            country="Country Code (Billing) | Country Code (Shipping)",
            email="Email (Billing)", phone="Phone (Billing)",
            refund_amount="Order Refund Amount", order_total="Order Total Amount",
            quantity="Quantity (- Refund)", unit_price="Item Cost",
            customer_key="Customer User ID", currency="Order Currency",
        ),
        # the plugin's "Customer User ID" (0 or blank for guests) is not a default field
        customer_key=("Email (Billing)",),
        orders=OrderRules(
            date="Order Date", amount="Order Total Amount", amount_per="order",
            order_id="Order Number", status="Order Status", refund="Order Refund Amount",
            currency="Order Currency",
        ),
        source="https://wordpress.org/plugins/woo-order-export-lite/",
    ),
    # Klaviyo → Lists & segments → Export list to CSV: https://help.klaviyo.com/hc/en-us/
    # articles/115005078687 (profile properties: https://help.klaviyo.com/hc/en-us/articles/
    # 360053679071-Profiles-and-properties-glossary).
    Layout(
        "klaviyo_profiles", "Klaviyo profiles export", "customers",
        signature=("Email", "Total Customer Lifetime Value", "Profile Created On"),
        meanings=_meanings(
            email="Email", internal_id="Klaviyo ID | IP Address",
            person_name="First Name | Last Name", other="Organization | Title | Source | "
            "Predicted Customer Lifetime Value | Average Order Value | First Active | Last "
            "Active | Date Added | Last Open | Last Click | Average Days Between Orders | "
            "Email Suppressions | Email Marketing Consent Timestamp",
            phone="Phone Number", street_address="Address | Address 2", city="City",
            region="State / Region", country="Country", postcode="Zip Code",
            latitude="Latitude", longitude="Longitude", consent="Email Marketing Consent",
            customer_value="Total Customer Lifetime Value | Historic Customer Lifetime Value",
            order_count="Historic Number Of Orders", signup_date="Profile Created On",
        ),
        customer_key=("Email",),
        source="https://help.klaviyo.com/hc/en-us/articles/115005078687",
    ),
    # Mailchimp → Audience → Export audience (one CSV per status): https://mailchimp.com/
    # help/view-export-contacts/ ("About your export file": MEMBER_RATING, OPTIN_TIME …).
    Layout(
        "mailchimp_audience", "Mailchimp audience export", "customers",
        signature=("Email Address", "MEMBER_RATING", "OPTIN_TIME", "LEID"),
        meanings=_meanings(
            email="Email Address", person_name="First Name | Last Name",
            street_address="Address", phone="Phone Number", other="Birthday | MEMBER_RATING "
            "| GMTOFF | DSTOFF | TIMEZONE | CONFIRM_TIME | LAST_CHANGED",
            signup_date="OPTIN_TIME", internal_id="OPTIN_IP | CONFIRM_IP | LEID | EUID",
            latitude="LATITUDE", longitude="LONGITUDE", country="CC", region="REGION",
            free_text="NOTES", tags="TAGS",
        ),
        customer_key=("Email Address",),
        source="https://mailchimp.com/help/view-export-contacts/",
    ),
    # HubSpot → Contacts → Export view (CSV or, by default, .xlsx): the default view's columns
    # plus the properties chosen for it, https://knowledge.hubspot.com/import-and-export/
    # export-records (property labels as HubSpot writes them).
    Layout(
        "hubspot_contacts", "HubSpot contacts export", "customers",
        signature=("Record ID", "Contact owner", "Create Date"),
        meanings=_meanings(
            customer_key="Record ID", person_name="First Name | Last Name", email="Email",
            phone="Phone Number | Mobile Phone Number",
            other="Contact owner | Last Activity Date | Lead Status | Lifecycle Stage | "
            "Associated Company | Became a Customer Date",
            internal_id="Primary Associated Company ID", signup_date="Create Date",
            consent="Marketing contact status | Unsubscribed from all email",
            street_address="Street Address", city="City", region="State/Region",
            country="Country/Region", postcode="Postal Code", customer_value="Total Revenue",
        ),
        customer_key=("Record ID",),
        source="https://knowledge.hubspot.com/import-and-export/export-records",
    ),
    # Stripe Dashboard → Customers → Export (default columns): the header real exports carry,
    # "id,Description,Email,Name,Created (UTC),Delinquent,Plan,Status,Total Spend,Payment
    # Count,Refunded Volume,Dispute Losses" (https://docs.stripe.com/get-started/
    # data-migrations/export-file-formats describes the customer fields).
    Layout(
        "stripe_customers", "Stripe customers export", "customers",
        signature=("id", "Created (UTC)", "Delinquent", "Total Spend", "Payment Count"),
        meanings=_meanings(
            customer_key="id", free_text="Description", email="Email", person_name="Name",
            signup_date="Created (UTC)", other="Delinquent | Plan | Status | Refunded Volume "
            "| Dispute Losses", customer_value="Total Spend", order_count="Payment Count",
        ),
        customer_key=("id",),
        source="https://docs.stripe.com/get-started/data-migrations/export-file-formats",
    ),
    # Stripe Dashboard → Payments → Export (unified payments, default columns): one row per
    # payment, Status Paid/Failed/Refunded/…, refunds in "Amount Refunded", test payments in
    # "Mode". https://support.stripe.com/questions/exporting-a-report-of-all-transactions and
    # the header of real exports ("id,Created date (UTC),Amount,Amount Refunded,Currency,
    # Captured,…,Customer ID,Customer Description,Customer Email,…").
    Layout(
        "stripe_payments", "Stripe payments export", "orders",
        signature=("id", "Amount Refunded", "Captured", "Customer Email", "Status"),
        meanings=_meanings(
            order_key="id", order_date="Created date (UTC) | Created (UTC)",
            order_total="Amount", refund_amount="Amount Refunded", currency="Currency",
            other="Captured | Converted Amount | Converted Amount Refunded | Converted Currency "
            "| Decline Reason | Fee | Is Link | Link Funding | Payment Source Type | Refunded "
            "date (UTC) | Statement Descriptor | Seller Message | Taxes On Fee | Card Brand | "
            "Card Funding | Card Issue Country | Disputed Amount | Dispute Status | Invoice "
            "Number | Card Address Country", test_order="Mode", order_status="Status",
            free_text="Description | Customer Description",
            internal_id="PaymentIntent ID | Card ID | Card Fingerprint | Card Last4 | Invoice "
            "ID | Checkout Session ID | Transfer",
            person_name="Card Name | Shipping Name", customer_key="Customer ID",
            email="Customer Email", phone="Customer Phone",
            street_address="Card Address Line1 | Card Address Line2",
            city="Card Address City", region="Card Address State", postcode="Card Address Zip",
        ),
        customer_key=("Customer ID", "Customer Email"),  # guests have only an e-mail
        orders=OrderRules(
            date=("Created date (UTC)", "Created (UTC)"), amount="Amount", order_id="id",
            status="Status", refund="Amount Refunded", test_flag="Mode", currency="Currency",
        ),
        source="https://support.stripe.com/questions/exporting-a-report-of-all-transactions",
    ),
)  # fmt: skip


def detect_layout(columns: Iterable[object]) -> Layout | None:
    """The platform layout whose signature headers are all among ``columns`` (any case), or
    ``None``; when several match, the one that knows most of the columns."""
    present = {_fold(c) for c in columns}
    matches = [
        layout
        for layout in LAYOUTS
        if all(_fold(h) in present for h in layout.signature)
        and all(_fold(h) in present for h in layout.customer_key[:1])
    ]
    if not matches:
        return None
    return max(matches, key=lambda layout: len(present & set(layout._folded)))


def layout_named(key: str) -> Layout:
    """The layout with this key ('shopify_orders')."""
    for layout in LAYOUTS:
        if layout.key == key:
            return layout
    raise KeyError(f"No layout {key!r}; layouts are {', '.join(x.key for x in LAYOUTS)}.")


def infer_with_layout(frame: pd.DataFrame) -> tuple[TypedTable, Layout | None]:
    """The typed table of a raw file, its columns understood through its platform layout when
    its headers match one (rows read as the layout's rows), else by detection alone."""
    layout = detect_layout(frame.columns)
    if layout is None:
        return infer_schema(frame), None
    typed = infer_schema(_unquoted(frame, layout), one_row_per_customer=layout.rows == "customers")
    return apply_layout(typed, layout), layout


def _unquoted(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """The frame with the layout's apostrophe-protected columns ('0123 → 0123) unprotected."""
    protected = {_fold(h) for h in layout.quoted}
    quoted = [c for c in frame.columns if _fold(c) in protected]
    if not quoted:
        return frame
    return frame.assign(**{str(c): frame[c].map(_unprotect) for c in quoted})


def _unprotect(value: object) -> object:
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def apply_layout(typed: TypedTable, layout: Layout) -> TypedTable:
    """The table with each column the layout knows given the layout's meaning (and the reason),
    the layout's customer key as the id column, and role and base following the meanings.

    Examples
    --------
    >>> raw = pd.DataFrame({"Email": ["a@x.org", "b@x.org"], "Total Spent": ["1.5", ""],
    ...                     "Total Orders": ["1", "0"], "First Name": ["Ann", "Bo"],
    ...                     "Last Name": ["Lee", "Ng"], "Customer ID": ["7", "9"]})
    >>> typed = apply_layout(infer_schema(raw), layout_named("shopify_customers"))
    >>> typed.schema.column("Email").meaning_reason
    "Shopify customers export: 'Email' is the customer's e-mail"
    >>> typed.schema.id_column
    'Customer ID'
    """
    schema = typed.schema
    for name in schema.names:
        meaning = layout.meaning(name)
        if meaning is not None:
            reason = f"{layout.name}: '{name}' is {_phrase(meaning)}"
            schema = schema.with_column_meaning(name, meaning, reason)
    frame, schema = _with_key(typed.frame, schema, layout)
    return TypedTable(frame, _follow_meanings(schema, layout), typed.notes, typed.customers)


_PHRASES = {
    "email": "the customer's e-mail",
    "customer_key": "the customer's id",
    "order_key": "the order's number",
    "order_date": "when the order was placed",
    "order_total": "the order's total",
    "refund_amount": "the amount refunded",
    "order_status": "the order's payment status",
    "customer_value": "the customer's total spend",
    "order_count": "the customer's number of orders",
    "signup_date": "when the person became a customer or contact",
    "internal_id": "a platform id (personal data)",
}


def _phrase(meaning: str) -> str:
    return _PHRASES.get(meaning, f"the {meaning_of(meaning).label}")


def _key_columns(schema: Schema, layout: Layout) -> list[str]:
    by_fold = {_fold(n): n for n in schema.names}
    return [by_fold[_fold(h)] for h in layout.customer_key if _fold(h) in by_fold]


def _with_key(frame: pd.DataFrame, schema: Schema, layout: Layout) -> tuple[pd.DataFrame, Schema]:
    """The frame and schema with the layout's customer key as the one id column: the key
    header itself, or a derived column holding the first filled key header per row."""
    keys = _key_columns(schema, layout)
    schema = Schema(tuple(_demoted(c) if c.role == "id" else c for c in schema.columns))
    if not keys:
        return frame, schema
    if len(keys) == 1:
        note = f"identifies each customer ({layout.name})"
        return frame, schema.with_column(keys[0], role="id", base="other", note=note)
    derived = _first_filled(frame, schema, keys)
    return frame.assign(**{DERIVED_KEY: derived}), _with_derived(schema, derived, keys, layout)


def _demoted(column: ColumnProfile) -> ColumnProfile:
    return replace(column, role="ignore", note="an id the layout does not use for customers")


def _first_filled(frame: pd.DataFrame, schema: Schema, keys: list[str]) -> pd.Series:
    """Per row, the first filled key column; e-mails trimmed and case-folded."""
    derived = pd.Series(pd.NA, index=frame.index, dtype="string")
    for name in reversed(keys):
        values = frame[name].astype("string").str.strip()
        if schema.column(name).meaning == "email":
            values = values.str.casefold()
        derived = values.where(values.notna() & (values != ""), derived)
    return derived


def _with_derived(schema: Schema, derived: pd.Series, keys: list[str], layout: Layout) -> Schema:
    spelled = ", else ".join(f"'{k}'" for k in keys)
    present = derived.dropna()
    profile = ColumnProfile(
        DERIVED_KEY, "id", "id", "other", float(derived.isna().mean()), int(present.nunique()),
        tuple(present.drop_duplicates().head(3)), f"identifies each customer ({layout.name})",
        "customer_key", f"{layout.name}: {spelled} where filled (e-mails trimmed, lower case)",
    )  # fmt: skip
    return Schema((profile, *schema.columns))


def _follow_meanings(schema: Schema, layout: Layout) -> Schema:
    """Roles and bases that follow the layout's meanings: personal data and order details are
    never features, and a meaning's base is the column's base."""
    columns = []
    for column in schema.columns:
        if layout.meaning(column.name) is None or column.role == "id":
            columns.append(column)
            continue
        implied = meaning_of(column.meaning)
        changes: dict[str, object] = {}
        if implied.role in ("ignore", "id"):
            changes = {"role": "ignore", "note": _left_out_note(column.meaning)}
        if implied.personal:
            changes["base"] = "other"
        elif implied.base:
            changes["base"] = implied.base
        columns.append(replace(column, **changes))
    return Schema(tuple(columns))


def _left_out_note(meaning: str) -> str:
    implied = meaning_of(meaning)
    if implied.personal:
        return f"a personal detail ({implied.label}): kept for the target list only"
    return f"{implied.label}: a detail of orders, not a customer trait"


def suggest_orders(typed: TypedTable) -> OrderColumns | None:
    """The order-column mapping an orders layout pre-fills, ``None`` for a customer layout,
    and :func:`segmentation.data.orders.detect_orders`' guess for any other table.

    Examples
    --------
    >>> raw = pd.DataFrame({"Name": ["#1001", "#1001", "#1002"], "Email": ["a@x.org"] * 3,
    ...     "Financial Status": ["paid", "", "pending"], "Total": ["12.50", "", "3"],
    ...     "Created at": ["2024-03-15 10:22:31 -0400"] * 3, "Lineitem quantity": ["1"] * 3,
    ...     "Lineitem name": ["Tea", "Cup", "Tea"], "Refunded Amount": ["0", "", "0"]})
    >>> typed, layout = infer_with_layout(raw)
    >>> columns = suggest_orders(typed)
    >>> columns.customer_id, columns.amount, columns.amount_per, columns.status, columns.layout
    ('Email', 'Total', 'order', 'Financial Status', 'shopify_orders')
    """
    layout = detect_layout(typed.schema.names)
    if layout is None:
        return detect_orders(typed)
    rules = layout.orders
    if rules is None:
        return None
    schema = typed.schema
    keys = _key_columns(schema, layout)
    key = DERIVED_KEY if DERIVED_KEY in schema.names else (keys[0] if keys else None)
    picked = {f: _header(schema, getattr(rules, f)) for f in OrderRules.__dataclass_fields__}
    picked.pop("amount_per")
    if key is None or picked["date"] is None or picked["amount"] is None:
        return detect_orders(typed)
    used = {key, *picked.values()}
    return OrderColumns(
        key, picked.pop("date"), picked.pop("amount"), picked.pop("quantity"),
        picked.pop("unit_price"), picked.pop("order_id"), _carried(typed, used),
        amount_per=rules.amount_per, layout=layout.key, **picked,
    )  # fmt: skip


def _header(schema: Schema, spellings: str | tuple[str, ...] | None) -> str | None:
    """The file's name of the first of a rule's spellings it has (any case)."""
    if spellings is None:
        return None
    by_fold = {_fold(n): n for n in schema.names}
    options = (spellings,) if isinstance(spellings, str) else spellings
    return next((by_fold[_fold(s)] for s in options if _fold(s) in by_fold), None)


def _carried(typed: TypedTable, used: set[str | None]) -> tuple[str, ...]:
    """Categorical columns kept per customer, leaving out personal data and order details."""
    kept = []
    for name in default_carried(typed, used):
        meaning = typed.schema.column(name).meaning
        if not meaning_of(meaning).personal and meaning not in _NOT_CARRIED:
            kept.append(name)
    return tuple(kept)
