"""Seeded exports in each platform layout, written with the truth beside them.

Each generator returns an :class:`Export`: the file's bytes with exactly the columns the
platform publishes (see ``segmentation/data/layouts.py`` for the sources), and its *truth*, a
JSON-friendly dict of what a loader must find::

    {"layout": "shopify_orders", "rows": "orders", "currency": "USD",
     "customer_count": 212,
     "customers": {"ann.lee7@example.com": {"orders": 3, "net_spend": 181.4}, ...},
     "exclusions": {"pending": {"orders": 31, "lines": 70}, ...}}

What counts as a purchase, in issue 12's words: paid, completed, processing (paid, awaiting
shipping) and succeeded payments count; pending, authorized-only (uncaptured), voided,
cancelled, failed, on-hold and test orders do not; refunded amounts are subtracted. The issue
lists no exception for an order refunded in full, so it stays an order whose net value is 0
(:data:`FULL_REFUND_IS_ORDER`; the truth also says how many there are, under
``"refunded_in_full"``). A customer is anyone with at least one order that counts; keys are
e-mails trimmed and lower-cased where the e-mail is the key.

The files are hostile on purpose: Shopify multi-line orders with order-level fields on the
first line only, `Created at` with offsets that follow daylight saving, e-mails in mixed case
with stray spaces; WooCommerce order totals repeated on every line; Stripe guests with only an
e-mail; profiles with consent, tags, blank lifetime values, apostrophe-protected ids and zips.

``python tests/platform_exports.py DIR`` writes every export and its ``.truth.json`` to DIR.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240315
FULL_REFUND_IS_ORDER = True  # an order refunded in full: an order worth 0 (see above)


def _headers(text: str, sep: str = "|") -> list[str]:
    """A published header list, written as the platform writes it (one separated string)."""
    return text.split(sep)


FIRST = np.array(_headers("Ann Bo Carla Dev Emma Femi Gus Hana Ivo Jade Kai Lena Milo Nora Omar "
                          "Pia Quinn Rosa Sam Tara Uma Vic Wen Yara Zoe", " "))  # fmt: skip
LAST = np.array(_headers("Lee Ng Smith Diaz Okafor Novak Rossi Kim Berg Silva Moreau Khan Walsh "
                         "Sato Costa Brown", " "))  # fmt: skip
CITIES = (
    ("Boston", "MA", "US", "02139"), ("Newark", "NJ", "US", "07102"),
    ("Austin", "TX", "US", "78701"), ("Portland", "OR", "US", "97201"),
    ("Toronto", "ON", "CA", "M5V 2T6"), ("London", "", "GB", "EC1A 1BB"),
)  # fmt: skip
BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Klaviyo's 26-character profile ids
TAGS = ("vip", "wholesale", "newsletter", "repeat", "Black Friday", "returns")


@dataclass(frozen=True)
class Export:
    """A platform export's file name, bytes and truth."""

    layout: str
    file_name: str
    data: bytes
    truth: dict


# --- people -----------------------------------------------------------------------------------


def people(rng: np.random.Generator, n: int, start: int = 0) -> pd.DataFrame:
    """``n`` customers with names, a canonical (lower-case) e-mail, a phone and an address."""
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    number = np.arange(start, start + n)
    email = np.char.add(np.char.add(np.char.lower(first), "."), np.char.lower(last))
    email = np.char.add(np.char.add(email, number.astype(str)), "@example.com")
    city = rng.integers(0, len(CITIES), n)
    return pd.DataFrame(
        {
            "first": first,
            "last": last,
            "email": email,
            "phone": [f"+1 617-555-{1000 + i % 9000:04d}" for i in number],
            "street": [f"{10 + i % 890} {rng_street(i)} St" for i in number],
            "city": [CITIES[c][0] for c in city],
            "region": [CITIES[c][1] for c in city],
            "country": [CITIES[c][2] for c in city],
            "zip": [CITIES[c][3] for c in city],
        }
    )


def rng_street(i: int) -> str:
    return ("Elm", "Oak", "Main", "Cedar", "Maple", "Pine")[i % 6]


def messy_emails(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """The same e-mails as a shop records them: some in upper or Title case, some padded."""
    emails = emails.astype(object)
    kind = rng.choice(4, len(emails), p=[0.7, 0.12, 0.1, 0.08])
    out = emails.copy()
    out[kind == 1] = [e.title() for e in emails[kind == 1]]
    out[kind == 2] = [e.upper() for e in emails[kind == 2]]
    out[kind == 3] = [f" {e.capitalize()} " for e in emails[kind == 3]]
    return out


def _money(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.2f", np.round(values, 2)).astype(object)


def _csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode("utf-8")


def _truth_from_orders(
    layout: str, currency: str, key: np.ndarray, net: np.ndarray, outcome: np.ndarray,
    lines_per_order: np.ndarray,
) -> dict:  # fmt: skip
    """The truth of an orders export from one row per order: its customer key, net value and
    outcome ("purchase", "refunded" for an order refunded in full, or the reason it is left
    out)."""
    orders = pd.DataFrame({"key": key, "net": net, "outcome": outcome, "lines": lines_per_order})
    in_full = int((orders["outcome"] == "refunded").sum())
    if FULL_REFUND_IS_ORDER:
        orders["outcome"] = orders["outcome"].replace("refunded", "purchase")
    bought = orders[orders["outcome"] == "purchase"]
    per_customer = bought.groupby("key").agg(orders=("net", "size"), net_spend=("net", "sum"))
    left_out = orders[orders["outcome"] != "purchase"].groupby("outcome")
    return {
        "layout": layout,
        "rows": "orders",
        "currency": currency,
        "customer_count": len(per_customer),
        "n_lines": int(orders["lines"].sum()),
        "n_orders": len(bought),
        "refunded_in_full": in_full,
        "customers": {
            k: {"orders": int(r.orders), "net_spend": round(float(r.net_spend), 2)}
            for k, r in per_customer.iterrows()
        },
        "exclusions": {
            reason: {"orders": len(g), "lines": int(g["lines"].sum())} for reason, g in left_out
        },
    }


# --- Shopify orders ---------------------------------------------------------------------------

SHOPIFY_ORDER_COLUMNS = _headers(
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,"
    "Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,"
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,"
    "Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,"
    "Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,"
    "Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References",
    ",",
)
SHOPIFY_STATUSES = ("paid", "partially_refunded", "refunded", "pending", "authorized", "voided")
SHOPIFY_STATUS_P = (0.72, 0.06, 0.05, 0.07, 0.05, 0.05)
PRODUCTS = ("Green tea 100 g", "Ceramic cup", "Tea strainer", "Oolong 50 g", "Gift box")


def shopify_orders(
    seed: int = SEED, n_orders: int = 600, n_customers: int = 220, n_lines: int | None = None
) -> Export:
    """A Shopify "Orders → Export" CSV; with ``n_lines`` it has exactly that many lines."""
    rng = np.random.default_rng(seed)
    lines_per = np.minimum(1 + rng.poisson(1.2, n_orders), 8)
    if n_lines is not None:  # as many orders as it takes, the last one trimmed to fit
        n_orders = int(n_lines / 2.1) + 16
        lines_per = np.minimum(1 + rng.poisson(1.2, n_orders), 8)
        ends = np.cumsum(lines_per)
        n_orders = int(np.searchsorted(ends, n_lines)) + 1
        lines_per = lines_per[:n_orders]
        lines_per[-1] -= int(ends[n_orders - 1] - n_lines)
    crowd = people(rng, n_customers)
    weight = 1 / (np.arange(n_customers) + 10.0) ** 0.8  # a few loyal customers, many one-off
    who = rng.choice(n_customers, n_orders, p=weight / weight.sum())
    status = rng.choice(np.array(SHOPIFY_STATUSES), n_orders, p=SHOPIFY_STATUS_P)
    frame, total, refunded = _shopify_lines(rng, crowd, who, status, lines_per)
    net = np.where(status == "refunded", 0.0, total - refunded)
    outcome = np.where(np.isin(status, ("paid", "partially_refunded")), "purchase", status)
    truth = _truth_from_orders(
        "shopify_orders", "USD", crowd["email"].to_numpy()[who], net, outcome, lines_per
    )
    return Export("shopify_orders", "orders_export.csv", _csv(frame), truth)


def _shopify_lines(
    rng: np.random.Generator, crowd: pd.DataFrame, who: np.ndarray, status: np.ndarray,
    lines_per: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:  # fmt: skip
    n_orders, order = len(who), np.repeat(np.arange(len(who)), lines_per)
    n = len(order)
    first = np.r_[True, order[1:] != order[:-1]]
    quantity = rng.integers(1, 4, n)
    price = np.round(np.exp(rng.normal(2.6, 0.6, n)), 2)
    subtotal = np.bincount(order, quantity * price, n_orders)
    discount = np.where(rng.random(n_orders) < 0.15, np.round(subtotal * 0.1, 2), 0.0)
    shipping = rng.choice(np.array([0.0, 4.99, 9.99]), n_orders)
    taxes = np.round((subtotal - discount) * 0.0625, 2)
    total = np.round(subtotal - discount + shipping + taxes, 2)
    refund = np.where(status == "refunded", total, 0.0)
    partial = status == "partially_refunded"
    refund[partial] = np.round(total[partial] * rng.uniform(0.1, 0.6, partial.sum()), 2)
    created = _shopify_times(rng, n_orders)
    paid = np.isin(status, ("paid", "partially_refunded", "refunded"))
    c = crowd.iloc[who].reset_index(drop=True)
    name = np.char.add("#", (1001 + np.arange(n_orders)).astype(str)).astype(object)
    by_order = {
        "Name": name, "Email": messy_emails(rng, c["email"].to_numpy()),
        "Financial Status": status.astype(object),
        "Paid at": np.where(paid, created, None),
        "Fulfillment Status": np.where(paid, "fulfilled", "unfulfilled").astype(object),
        "Accepts Marketing": rng.choice(np.array(["yes", "no"], dtype=object), n_orders),
        "Currency": np.full(n_orders, "USD", dtype=object), "Subtotal": _money(subtotal),
        "Shipping": _money(shipping), "Taxes": _money(taxes), "Total": _money(total),
        "Discount Code": np.where(discount > 0, "WELCOME10", None),
        "Discount Amount": _money(discount), "Shipping Method": np.full(n_orders, "Standard"),
        "Billing Name": (c["first"] + " " + c["last"]).to_numpy(dtype=object),
        "Billing Street": c["street"].to_numpy(dtype=object),
        "Billing Address1": c["street"].to_numpy(dtype=object),
        "Billing City": c["city"].to_numpy(dtype=object), "Billing Zip": c["zip"].to_numpy(),
        "Billing Province": c["region"].to_numpy(), "Billing Country": c["country"].to_numpy(),
        "Billing Phone": c["phone"].to_numpy(), "Payment Method": np.full(n_orders, "Shopify "
        "Payments"), "Refunded Amount": _money(refund), "Outstanding Balance": _money(
        np.zeros(n_orders)), "Id": (5610000000000 + np.arange(n_orders) * 7).astype(str),
        "Risk Level": np.full(n_orders, "Low"), "Source": np.full(n_orders, "web"),
        "Tax 1 Name": np.full(n_orders, "MA State Tax 6.25%"), "Tax 1 Value": _money(taxes),
    }  # fmt: skip
    columns = {h: np.full(n, None, dtype=object) for h in SHOPIFY_ORDER_COLUMNS}
    for header, values in by_order.items():
        columns[header][first] = np.asarray(values, dtype=object)
    for header in ("Name", "Email"):  # the order's name and e-mail are on every line
        columns[header] = np.asarray(by_order[header], dtype=object)[order]
    columns["Created at"] = created[order]  # the order's time too
    columns["Lineitem quantity"] = quantity.astype(str).astype(object)
    columns["Lineitem name"] = rng.choice(np.array(PRODUCTS, dtype=object), n)
    columns["Lineitem price"] = _money(price)
    columns["Lineitem requires shipping"] = np.full(n, "true", dtype=object)
    columns["Lineitem taxable"] = np.full(n, "true", dtype=object)
    columns["Lineitem fulfillment status"] = np.full(n, "pending", dtype=object)
    columns["Vendor"] = np.full(n, "Leaf & Co", dtype=object)
    columns["Lineitem discount"] = np.full(n, "0.00", dtype=object)
    return pd.DataFrame(columns), total, refund


def _shopify_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Order times in the shop's zone, written like Shopify: '2024-03-15 10:22:31 -0400' (the
    offset follows daylight saving)."""
    start = pd.Timestamp("2023-01-01", tz="UTC").value // 10**9
    seconds = np.sort(rng.integers(start, start + 2 * 365 * 86400, n))
    local = pd.to_datetime(seconds, unit="s", utc=True).tz_convert("America/New_York")
    return np.asarray(local.strftime("%Y-%m-%d %H:%M:%S %z"), dtype=object)


# --- WooCommerce orders -----------------------------------------------------------------------

WOO_COLUMNS = _headers(
    "Order Number|Order Status|Order Date|Customer Note|First Name (Billing)|Last Name (Billing)|"
    "Company (Billing)|Address 1&2 (Billing)|City (Billing)|State Code (Billing)|Postcode "
    "(Billing)|Country Code (Billing)|Email (Billing)|Phone (Billing)|First Name (Shipping)|"
    "Last Name (Shipping)|Address 1&2 (Shipping)|City (Shipping)|State Code (Shipping)|"
    "Postcode (Shipping)|Country Code (Shipping)|Payment Method Title|Cart Discount Amount|"
    "Order Subtotal Amount|Shipping Method Title|Order Shipping Amount|Order Refund Amount|"
    "Order Total Amount|Order Total Tax Amount|SKU|Item #|Item Name|Quantity (- Refund)|"
    "Item Cost|Coupon Code",
    "|",
)
WOO_STATUSES = ("completed", "processing", "cancelled", "refunded", "failed", "on-hold")
WOO_STATUS_P = (0.6, 0.12, 0.07, 0.06, 0.07, 0.08)


def woocommerce_orders(seed: int = SEED + 1, n_orders: int = 400) -> Export:
    """An "Advanced Order Export For WooCommerce" CSV: one row per item, totals repeated."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, 150, start=500)
    who = rng.integers(0, len(crowd), n_orders)
    status = rng.choice(np.array(WOO_STATUSES), n_orders, p=WOO_STATUS_P)
    emails = messy_emails(rng, crowd["email"].to_numpy()[who])
    rows, nets, lines = [], [], []
    when = np.sort(rng.integers(0, 700 * 1440, n_orders))
    for i in range(n_orders):
        c = crowd.iloc[who[i]]
        items = [
            (rng.choice(PRODUCTS), int(rng.integers(1, 4)), round(float(rng.uniform(4, 40)), 2))
            for _ in range(int(rng.integers(1, 5)))
        ]
        subtotal = round(sum(q * p for _, q, p in items), 2)
        shipping = 5.0 if subtotal < 50 else 0.0
        tax = round(subtotal * 0.2, 2)
        total = round(subtotal + shipping + tax, 2)
        refund = total if status[i] == "refunded" else 0.0
        if status[i] == "completed" and rng.random() < 0.1:  # partial refunds stay completed
            refund = round(total * 0.25, 2)
        nets.append(0.0 if status[i] == "refunded" else round(total - refund, 2))
        lines.append(len(items))
        date = pd.Timestamp("2023-02-01") + pd.Timedelta(minutes=int(when[i]))
        order = {
            "Order Number": str(3001 + i), "Order Status": status[i],
            "Order Date": date.strftime("%Y-%m-%d %H:%M"), "First Name (Billing)": c["first"],
            "Last Name (Billing)": c["last"], "Address 1&2 (Billing)": c["street"],
            "City (Billing)": c["city"], "State Code (Billing)": c["region"],
            "Postcode (Billing)": c["zip"], "Country Code (Billing)": c["country"],
            "Email (Billing)": emails[i], "Phone (Billing)": c["phone"],
            "Payment Method Title": "Credit card (Stripe)", "Cart Discount Amount": "0",
            "Order Subtotal Amount": f"{subtotal:.2f}", "Shipping Method Title": "Flat rate",
            "Order Shipping Amount": f"{shipping:.2f}", "Order Refund Amount": f"{refund:.2f}",
            "Order Total Amount": f"{total:.2f}", "Order Total Tax Amount": f"{tax:.2f}",
        }  # fmt: skip
        for n, (name, quantity, price) in enumerate(items, start=1):
            rows.append(order | {"SKU": f"SKU-{PRODUCTS.index(name)}", "Item #": str(n),
                                 "Item Name": name, "Quantity (- Refund)": str(quantity),
                                 "Item Cost": f"{price:.2f}"})  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=WOO_COLUMNS)
    outcome = np.where(np.isin(status, ("completed", "processing")), "purchase", status)
    key = np.array([e.strip().casefold() for e in emails])
    truth = _truth_from_orders("woocommerce_orders", "EUR", key, np.array(nets), outcome,
                               np.array(lines))  # fmt: skip
    return Export("woocommerce_orders", "orders-2024-06-30.csv", _csv(frame), truth)


# --- Stripe payments --------------------------------------------------------------------------

STRIPE_PAYMENT_COLUMNS = _headers(
    "id|Created date (UTC)|Amount|Amount Refunded|Currency|Captured|Converted Amount|Converted "
    "Amount Refunded|Converted Currency|Decline Reason|Description|Fee|Is Link|Link Funding|Mode|"
    "PaymentIntent ID|Payment Source Type|Refunded date (UTC)|Statement Descriptor|Status|Seller "
    "Message|Taxes On Fee|Card ID|Card Name|Card Address Line1|Card Address Line2|Card Address "
    "City|Card Address State|Card Address Country|Card Address Zip|Card Brand|Card Fingerprint|"
    "Card Funding|Card Issue Country|Card Last4|Customer ID|Customer Description|Customer Email|"
    "Customer Phone|Disputed Amount|Dispute Status|Invoice ID|Invoice Number|Transfer",
    "|",
)


def stripe_payments(seed: int = SEED + 2, n_payments: int = 500) -> Export:
    """A Stripe "Payments → Export" CSV: customers with an id and guests with only an e-mail,
    paid, failed, uncaptured, refunded, partially refunded and test-mode payments."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, 160, start=900)
    registered = rng.random(len(crowd)) < 0.7
    ids = np.array([f"cus_{rng.integers(16**11, 16**12):x}" for _ in range(len(crowd))])
    who = rng.integers(0, len(crowd), n_payments)
    kind = rng.choice(["Paid", "Failed", "Uncaptured", "Refunded", "partial", "test"],
                      n_payments, p=[0.68, 0.1, 0.04, 0.06, 0.06, 0.06])  # fmt: skip
    emails = messy_emails(rng, crowd["email"].to_numpy()[who])
    amount = np.round(np.exp(rng.normal(3.5, 0.7, n_payments)), 2)
    refund = np.where(kind == "Refunded", amount, 0.0)
    refund[kind == "partial"] = np.round(amount[kind == "partial"] * 0.3, 2)
    seconds = np.sort(rng.integers(0, 600 * 86400, n_payments))
    rows = []
    for i in range(n_payments):
        c, guest = crowd.iloc[who[i]], not registered[who[i]]
        status = {"partial": "Paid", "test": "Paid"}.get(kind[i], kind[i])
        date = pd.Timestamp("2023-03-01") + pd.Timedelta(seconds=int(seconds[i]))
        rows.append({
            "id": f"py_{rng.integers(16**14, 16**15):x}", "Created date (UTC)": str(date),
            "Amount": f"{amount[i]:.2f}", "Amount Refunded": f"{refund[i]:.2f}",
            "Currency": "usd", "Captured": "false" if kind[i] in ("Failed", "Uncaptured")
            else "true", "Converted Amount": f"{amount[i]:.2f}",
            "Converted Amount Refunded": f"{refund[i]:.2f}", "Converted Currency": "usd",
            "Decline Reason": "card_declined" if kind[i] == "Failed" else None,
            "Fee": f"{amount[i] * 0.029 + 0.3:.2f}", "Is Link": "false",
            "Mode": "Test" if kind[i] == "test" else "Live", "Status": status,
            "Payment Source Type": "card", "Card Name": f"{c['first']} {c['last']}",
            "Card Address Zip": c["zip"], "Card Address Country": c["country"],
            "Card Brand": "Visa", "Card Fingerprint": f"{rng.integers(16**14, 16**15):x}",
            "Card Funding": "credit", "Card Last4": f"{rng.integers(0, 10000):04d}",
            "Customer ID": None if guest else ids[who[i]],
            "Customer Description": None if guest else f"{c['first']} {c['last']}",
            "Customer Email": emails[i], "Statement Descriptor": "LEAF TEA",
        })  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=STRIPE_PAYMENT_COLUMNS)
    key = np.where(registered[who], ids[who], [e.strip().casefold() for e in emails])
    outcome = np.select(
        [np.isin(kind, ("Paid", "partial")), kind == "Failed", kind == "Uncaptured",
         kind == "Refunded"], ["purchase", "failed", "uncaptured", "refunded"], "test",
    )  # fmt: skip
    net = np.where(outcome == "purchase", amount - refund, 0.0)
    truth = _truth_from_orders("stripe_payments", "USD", key, net, outcome, np.ones(n_payments))
    return Export("stripe_payments", "unified_payments.csv", _csv(frame), truth)


# --- profiles ---------------------------------------------------------------------------------


def _profile_truth(layout: str, keys: list[str], orders: list, spend: list, currency: str):
    """The truth of a profile export: its keys and, where the layout has them, each one's order
    count and spend (a blank spend or count is 0)."""
    return {
        "layout": layout,
        "rows": "customers",
        "currency": currency,
        "customer_count": len(keys),
        "customers": {
            k: {"orders": o, "net_spend": s} for k, o, s in zip(keys, orders, spend, strict=True)
        },
        "exclusions": {},
    }


def _tags(rng: np.random.Generator) -> str:
    return ", ".join(rng.choice(TAGS, int(rng.integers(0, 3)), replace=False))


def shopify_customers(seed: int = SEED + 3, n: int = 200) -> Export:
    """A Shopify "Customers → Export" CSV, ids, phones and zips apostrophe-protected."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, n, start=2000)
    ids = [str(7999252600000 + 13 * i) for i in range(n)]
    n_orders = rng.poisson(1.5, n) * (rng.random(n) < 0.8)
    spent = np.round(n_orders * rng.uniform(15, 90, n), 2)
    frame = pd.DataFrame({
        "Customer ID": ["'" + i for i in ids], "First Name": crowd["first"],
        "Last Name": crowd["last"], "Email": crowd["email"],
        "Accepts Email Marketing": rng.choice(["yes", "no"], n),
        "Default Address Company": None, "Default Address Address1": crowd["street"],
        "Default Address Address2": None, "Default Address City": crowd["city"],
        "Default Address Province Code": crowd["region"],
        "Default Address Country Code": crowd["country"],
        "Default Address Zip": "'" + crowd["zip"], "Default Address Phone": "'" + crowd["phone"],
        "Phone": np.where(rng.random(n) < 0.6, "'" + crowd["phone"], None),
        "Accepts SMS Marketing": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
        "Total Spent": [f"{s:.2f}" for s in spent], "Total Orders": n_orders.astype(str),
        "Note": None, "Tax Exempt": "no", "Tags": [_tags(rng) for _ in range(n)],
    })  # fmt: skip
    truth = _profile_truth("shopify_customers", ids, n_orders.tolist(), spent.tolist(), "USD")
    return Export("shopify_customers", "customers_export.csv", _csv(frame), truth)


KLAVIYO_COLUMNS = _headers(
    "Email|Klaviyo ID|First Name|Last Name|Organization|Title|Phone Number|Address|Address 2|"
    "City|State / Region|Country|Zip Code|Latitude|Longitude|Source|IP Address|Email Marketing "
    "Consent|Email Marketing Consent Timestamp|Historic Customer Lifetime Value|Total Customer "
    "Lifetime Value|Predicted Customer Lifetime Value|Average Order Value|Historic Number Of "
    "Orders|First Active|Last Active|Profile Created On|Date Added|Last Open|Last Click|Average "
    "Days Between Orders|Email Suppressions",
    "|",
)


def klaviyo_profiles(seed: int = SEED + 4, n: int = 220) -> Export:
    """A Klaviyo "Export list to CSV": blank lifetime values for profiles without orders."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, n, start=3000)
    n_orders = rng.poisson(1.2, n)
    clv = np.round(n_orders * rng.uniform(20, 70, n), 2)
    created = pd.Timestamp("2022-06-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    consent = rng.choice(["SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED"], n, p=[0.6, 0.2, 0.2])
    frame = pd.DataFrame({
        "Email": crowd["email"], "Klaviyo ID": ["01H" + "".join(rng.choice(list(BASE32), 23))
                                                 for _ in range(n)],
        "First Name": crowd["first"], "Last Name": crowd["last"],
        "Phone Number": np.where(rng.random(n) < 0.5, crowd["phone"], None),
        "Address": crowd["street"], "City": crowd["city"], "State / Region": crowd["region"],
        "Country": crowd["country"], "Zip Code": crowd["zip"],
        "Latitude": np.round(rng.uniform(25, 49, n), 4).astype(str),
        "Longitude": np.round(rng.uniform(-123, -70, n), 4).astype(str),
        "Source": "Shopify", "Email Marketing Consent": consent,
        "Email Marketing Consent Timestamp": np.where(
            consent == "NEVER_SUBSCRIBED", None, created.strftime("%Y-%m-%dT%H:%M:%SZ")),
        "Historic Customer Lifetime Value": np.where(n_orders > 0, [f"{v:.2f}" for v in clv],
                                                     None),
        "Total Customer Lifetime Value": np.where(n_orders > 0, [f"{v:.2f}" for v in clv], None),
        "Historic Number Of Orders": np.where(n_orders > 0, n_orders.astype(str), None),
        "Profile Created On": created.strftime("%Y-%m-%d %H:%M:%S"),
        "Date Added": created.strftime("%Y-%m-%d %H:%M:%S"),
    }).reindex(columns=KLAVIYO_COLUMNS)  # fmt: skip
    keys = crowd["email"].tolist()
    truth = _profile_truth("klaviyo_profiles", keys, n_orders.tolist(), clv.tolist(), "USD")
    return Export("klaviyo_profiles", "klaviyo_segment_export.csv", _csv(frame), truth)


MAILCHIMP_COLUMNS = _headers(
    "Email Address|First Name|Last Name|Address|Phone Number|Birthday|MEMBER_RATING|OPTIN_TIME|"
    "OPTIN_IP|CONFIRM_TIME|CONFIRM_IP|LATITUDE|LONGITUDE|GMTOFF|DSTOFF|TIMEZONE|CC|REGION|"
    "LAST_CHANGED|LEID|EUID|NOTES|TAGS",
    "|",
)


def mailchimp_audience(seed: int = SEED + 5, n: int = 180) -> Export:
    """A Mailchimp "subscribed_members_export" CSV, tags written as a quoted list."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, n, start=4000)
    optin = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900 * 1440, n), "min")
    frame = pd.DataFrame({
        "Email Address": messy_emails(rng, crowd["email"].to_numpy()),
        "First Name": crowd["first"], "Last Name": crowd["last"],
        "Address": crowd["street"] + "  " + crowd["city"] + "  " + crowd["region"] + "  "
        + crowd["zip"], "Phone Number": np.where(rng.random(n) < 0.4, crowd["phone"], None),
        "MEMBER_RATING": rng.integers(1, 6, n).astype(str),
        "OPTIN_TIME": optin.strftime("%Y-%m-%d %H:%M:%S"),
        "OPTIN_IP": [f"198.51.100.{i % 250}" for i in range(n)],
        "CONFIRM_TIME": (optin + pd.Timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S"),
        "LATITUDE": np.round(rng.uniform(25, 49, n), 7).astype(str),
        "LONGITUDE": np.round(rng.uniform(-123, -70, n), 7).astype(str),
        "GMTOFF": "-5", "DSTOFF": "-4", "TIMEZONE": "America/New_York", "CC": crowd["country"],
        "REGION": crowd["region"], "LAST_CHANGED": optin.strftime("%Y-%m-%d %H:%M:%S"),
        "LEID": (44877845 + np.arange(n)).astype(str),
        "EUID": [f"{rng.integers(16**9, 16**10):x}" for _ in range(n)],
        "TAGS": [",".join(f'"{t}"' for t in rng.choice(TAGS, int(rng.integers(0, 3)),
                                                      replace=False)) for _ in range(n)],
    }).reindex(columns=MAILCHIMP_COLUMNS)  # fmt: skip
    keys = crowd["email"].tolist()
    truth = _profile_truth("mailchimp_audience", keys, [None] * n, [None] * n, "")
    return Export("mailchimp_audience", "subscribed_members_export_ba473dc14f.csv",
                  _csv(frame), truth)  # fmt: skip


HUBSPOT_COLUMNS = _headers(
    "Record ID|First Name|Last Name|Email|Phone Number|Contact owner|Primary Associated Company "
    "ID|Last Activity Date|Lead Status|Marketing contact status|Create Date|Associated Company|"
    "Lifecycle Stage|City|State/Region|Country/Region|Postal Code|Total Revenue",
    "|",
)


def hubspot_contacts(seed: int = SEED + 6, n: int = 150) -> Export:
    """A HubSpot "Export view" workbook (.xlsx, HubSpot's default): typed cells, blank
    revenue for contacts that never bought."""
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    crowd = people(rng, n, start=5000)
    ids = (51000 + 37 * np.arange(n)).tolist()
    revenue = np.where(rng.random(n) < 0.55, np.round(rng.uniform(50, 4000, n), 2), np.nan)
    created = [datetime(2022, 1, 1) + pd.Timedelta(days=int(d)) for d in rng.integers(0, 800, n)]
    stage = rng.choice(["Subscriber", "Lead", "Marketing Qualified Lead", "Customer"], n)
    book = Workbook()
    sheet = book.active
    sheet.title = "Contacts"
    sheet.append(HUBSPOT_COLUMNS)
    for i in range(n):
        c = crowd.iloc[i]
        sheet.append([
            ids[i], c["first"], c["last"], c["email"], c["phone"] if i % 3 else None,
            "Jordan Rivers", 9100 + i % 7 if i % 2 else None, created[i], "Open",
            rng.choice(["Marketing contact", "Non-marketing contact"]), created[i],
            "Leaf & Co" if i % 2 else None, stage[i], c["city"], c["region"], c["country"],
            c["zip"], None if np.isnan(revenue[i]) else float(revenue[i]),
        ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    spend = np.nan_to_num(revenue).tolist()
    truth = _profile_truth("hubspot_contacts", [str(i) for i in ids], [None] * n, spend, "USD")
    return Export("hubspot_contacts", "hubspot-crm-exports-all-contacts-2024-06-30.xlsx",
                  out.getvalue(), truth)  # fmt: skip


STRIPE_CUSTOMER_COLUMNS = _headers(
    "id,Description,Email,Name,Created (UTC),Delinquent,Plan,Status,Total Spend,Payment Count,"
    "Refunded Volume,Dispute Losses",
    ",",
)


def stripe_customers(seed: int = SEED + 7, n: int = 160) -> Export:
    """A Stripe "Customers → Export" CSV with its spend and payment count per customer."""
    rng = np.random.default_rng(seed)
    crowd = people(rng, n, start=6000)
    ids = [f"cus_{rng.integers(16**11, 16**12):x}" for _ in range(n)]
    count = rng.poisson(2.0, n)
    spend = np.round(count * rng.uniform(9, 49, n), 2)
    created = pd.Timestamp("2022-09-01") + pd.to_timedelta(rng.integers(0, 600 * 24, n), "h")
    frame = pd.DataFrame({
        "id": ids, "Description": None, "Email": crowd["email"],
        "Name": crowd["first"] + " " + crowd["last"],
        "Created (UTC)": created.strftime("%Y-%m-%d %H:%M"), "Delinquent": "false",
        "Plan": rng.choice(["", "price_basic", "price_pro"], n),
        "Status": rng.choice(["", "active", "canceled"], n),
        "Total Spend": [f"{s:.2f}" for s in spend], "Payment Count": count.astype(str),
        "Refunded Volume": "0.00", "Dispute Losses": "0.00",
    }).reindex(columns=STRIPE_CUSTOMER_COLUMNS)  # fmt: skip
    truth = _profile_truth("stripe_customers", ids, count.tolist(), spend.tolist(), "USD")
    return Export("stripe_customers", "customers.csv", _csv(frame), truth)


GENERATORS = {
    "shopify_orders": shopify_orders,
    "shopify_customers": shopify_customers,
    "woocommerce_orders": woocommerce_orders,
    "klaviyo_profiles": klaviyo_profiles,
    "mailchimp_audience": mailchimp_audience,
    "hubspot_contacts": hubspot_contacts,
    "stripe_customers": stripe_customers,
    "stripe_payments": stripe_payments,
}


def write_export(export: Export, directory: Path) -> Path:
    """Write an export and its truth (``<file>.truth.json``) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / export.file_name
    path.write_bytes(export.data)
    truth_path = path.with_name(path.name + ".truth.json")
    truth_path.write_text(json.dumps(export.truth, indent=1, sort_keys=True), encoding="utf-8")
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "platform_exports")
    for generate in GENERATORS.values():
        print(write_export(generate(), target))
