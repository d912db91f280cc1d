"""What each column means to a marketer: one documented vocabulary, detected from names and values.

The vocabulary (:data:`MEANINGS`) is data: each meaning's plain description, whether a column of
that meaning is personal data (never a trait to segment by, kept for the target list only), and
the role and base it implies. The detection rules (:data:`RULES`) are data too, read top to
bottom like a filter registry: the first rule whose name pattern, column kinds, table shape
(rows are customers or orders) and value test all hold gives the meaning, with a one-sentence
reason built from what matched ("name 'Created at' and all values parse as dates").

Names are matched on their words with abbreviations spelled out (``CUST_ID`` → ``customer id``,
``$email`` → ``email``), so snake, camel and Title case and the platforms' own conventions
(Shopify, WooCommerce, Klaviyo, Mailchimp, HubSpot, Stripe) read alike. Values are tested on a
small sample of a column's distinct values, so detection costs the same for any number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from segmentation.data.text_values import present_floats
from segmentation.data.words import spelled_out
from segmentation.errors import SchemaError

SAMPLE_SIZE = 200  # distinct values a value test looks at
OTHER_REASON = "no pattern in the name or values matched"


@dataclass(frozen=True)
class Meaning:
    """One entry of the vocabulary: what a column holds, in the user's words.

    ``role`` is the role the meaning implies (``"ignore"``: never a feature; ``""``: decided from
    the values like any column) and ``base`` the segmentation base it implies when the column's
    name says none (``""``: none).
    """

    key: str
    label: str
    description: str
    personal: bool = False
    role: str = ""
    base: str = ""


_PERSONAL = {"personal": True, "role": "ignore", "base": "other"}
MEANINGS = (
    Meaning("customer_key", "customer key", "Identifies each customer: a customer, member, "
            "client or account id.", role="id", base="other"),
    Meaning("email", "e-mail", "A person's e-mail address. Personal data; a customer key when "
            "there is no customer id.", **_PERSONAL),
    Meaning("phone", "phone", "A person's phone number. Personal data.", **_PERSONAL),
    Meaning("person_name", "personal name", "A person's first, last or full name. Personal "
            "data.", **_PERSONAL),
    Meaning("street_address", "street address", "A street, house number or address line. "
            "Personal data.", **_PERSONAL),
    Meaning("order_key", "order key", "Identifies an order, invoice or payment: lines that share "
            "it are one order.", role="ignore", base="other"),
    Meaning("order_date", "order date", "When an order was placed (recency and tenure are "
            "counted from it)."),
    Meaning("line_amount", "line amount", "Money for one order line (quantity × unit price).",
            base="behavioral"),
    Meaning("order_total", "order total", "Money for a whole order.", base="behavioral"),
    Meaning("quantity", "quantity", "Units bought on an order line.", base="behavioral"),
    Meaning("unit_price", "unit price", "The price of one unit.", base="behavioral"),
    Meaning("currency", "currency", "The ISO 4217 code of the money columns (USD, EUR, GBP …)."),
    Meaning("order_status", "order/financial status", "Whether an order was paid, pending, "
            "refunded, cancelled …: decides what counts as a purchase.", base="behavioral"),
    Meaning("refund_amount", "refund amount", "Money refunded on an order.", base="behavioral"),
    Meaning("test_order", "test-order flag", "Marks test orders, which are not purchases.",
            role="ignore", base="other"),
    Meaning("consent", "consent/opt-in", "Whether the person agreed to receive marketing "
            "(e-mail or SMS opt-in): who can be reached.", base="behavioral"),
    Meaning("signup_date", "signup date", "When the person became a customer, subscriber or "
            "contact (days as a customer are counted from it)."),
    Meaning("customer_value", "customer value", "Money per customer: lifetime spend, total "
            "charges, revenue, balance.", base="behavioral"),
    Meaning("order_count", "order count", "Number of orders or purchases per customer.",
            base="behavioral"),
    Meaning("campaign_response", "campaign response", "Whether the customer responded to a "
            "campaign (accepted, converted).", base="behavioral"),
    Meaning("country", "country", "A country, as an ISO 3166 code or a name.",
            base="geographic"),
    Meaning("region", "region", "A state, province, county or region.", base="geographic"),
    Meaning("city", "city", "A city or town.", base="geographic"),
    Meaning("postcode", "postcode", "A postal or ZIP code (kept as written, leading zeros "
            "too).", base="geographic"),
    Meaning("latitude", "latitude", "Latitude in degrees (-90 to 90).", base="geographic"),
    Meaning("longitude", "longitude", "Longitude in degrees (-180 to 180).", base="geographic"),
    Meaning("tags", "tags", "Several labels in one cell, separated by commas, semicolons or "
            "pipes (or a JSON list)."),
    Meaning("internal_id", "internal/platform id", "A platform's own id of a record, card or "
            "device (record id, card fingerprint or last 4 digits, IP address). Personal "
            "data.", **_PERSONAL),
    Meaning("free_text", "free text", "Notes, comments or descriptions: too varied to group "
            "customers by.", role="ignore"),
    Meaning("other", "other", "None of the above: an ordinary trait such as age, tier or "
            "channel."),
)  # fmt: skip
MEANING_KEYS = tuple(m.key for m in MEANINGS)
DATE_MEANINGS = frozenset({"order_date", "signup_date"})
_BY_KEY = {m.key: m for m in MEANINGS}


def meaning_of(key: str) -> Meaning:
    """The vocabulary entry of a meaning key ('order_date' → order date)."""
    if key not in _BY_KEY:
        raise SchemaError(
            f"'{key}' is not a column meaning. Meanings are: {', '.join(MEANING_KEYS)}."
        )
    return _BY_KEY[key]


@dataclass(frozen=True)
class MeaningGuess:
    """A detected meaning and the one-sentence reason for it."""

    meaning: str
    reason: str


@dataclass(frozen=True)
class ColumnEvidence:
    """What meaning detection looks at for one column.

    ``sample`` holds up to :data:`SAMPLE_SIZE` distinct present values as written in the file
    (as Python strings: a test on them costs microseconds);
    ``values`` the typed values; ``share`` the share of distinct present values read as ``kind``;
    ``customers`` whether the table's rows are customers (else orders or order lines).
    """

    name: str
    kind: str
    sample: tuple[str, ...]
    values: pd.Series | pd.api.extensions.ExtensionArray | None = None
    share: float = 1.0
    customers: bool = True
    _cache: dict[str, float] = field(default_factory=dict, compare=False, repr=False)


# --- value tests ------------------------------------------------------------------------------


def _matching(evidence: ColumnEvidence, pattern: str, gate: Callable[[str], bool]) -> float:
    """Share of the sample fully matching ``pattern`` (0 at once when none of the first values
    passes the cheap ``gate``)."""
    sample = evidence.sample
    if not sample or not any(gate(v) for v in sample[:3]):
        return 0.0
    matches = _compiled(pattern).fullmatch
    return sum(1 for v in sample if matches(v)) / len(sample)


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _in_set(evidence: ColumnEvidence, words: frozenset[str], clean: Callable[[str], str]) -> float:
    sample = evidence.sample
    if not sample or not any(clean(v) in words for v in sample[:3]):
        return 0.0
    return sum(1 for v in sample if clean(v) in words) / len(sample)


def _lower(value: str) -> str:
    return value.strip().lower()


def _status_word(value: str) -> str:
    return re.sub(r"[_\-\s]+", " ", value.strip().lower().removeprefix("wc-"))


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """ISO 3166 country codes (alpha-2, alpha-3) and names, lower-case."""
    import pycountry  # loaded on first use: most columns never need it

    words = set()
    for country in pycountry.countries:
        for attribute in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                words.add(value.lower())
    return frozenset(words | {"uk", "usa", "great britain", "england", "scotland", "wales"})


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """ISO 4217 currency codes, lower-case."""
    import pycountry

    return frozenset(currency.alpha_3.lower() for currency in pycountry.currencies)


STATUS_WORDS = frozenset(
    {
        *("paid", "pending", "refunded", "voided", "void", "authorized", "authorised"),
        *("completed", "complete", "processing", "cancelled", "canceled", "failed"),
        *("succeeded", "success", "fulfilled", "unfulfilled", "partial", "shipped"),
        *("delivered", "returned", "expired", "declined", "disputed", "draft", "refund"),
        *("chargeback", "restocked", "unpaid", "captured", "on hold"),
        *("partially refunded", "partially paid", "partially fulfilled"),
    }
)


def _country_share(evidence: ColumnEvidence) -> float:
    return _in_set(evidence, country_words(), _lower)


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Country names, lower-case: the words of :func:`country_words` longer than a code."""
    return frozenset(w for w in country_words() if len(w) > 3)


def _country_name_share(evidence: ColumnEvidence) -> float:
    """Country names only: two-letter codes alone could be US states."""
    return _in_set(evidence, country_names(), _lower)


def _currency_share(evidence: ColumnEvidence) -> float:
    return _in_set(evidence, currency_codes(), _lower)


def _status_share(evidence: ColumnEvidence) -> float:
    share = _in_set(evidence, STATUS_WORDS, _status_word)
    if not share:
        return 0.0
    distinct = {_status_word(v) for v in evidence.sample} & STATUS_WORDS
    return share if len(distinct) >= 2 else 0.0


def _digits_between(evidence: ColumnEvidence, low: int, high: int) -> float:
    counts = [sum(c.isdigit() for c in v) for v in evidence.sample]
    return sum(1 for n in counts if low <= n <= high) / len(counts)


def _phone_share(evidence: ColumnEvidence) -> float:
    share = _matching(evidence, r"\+?[\d\s().\-/]{7,22}", lambda v: any(c.isdigit() for c in v))
    return min(share, _digits_between(evidence, 7, 15)) if share else 0.0


def _formatted_phone_share(evidence: ColumnEvidence) -> float:
    pattern = (
        r"\+\d[\d\s().\-]{7,20}|\(\d{2,4}\)\s?\d{3,4}[\s.\-]?\d{3,4}"
        r"|\d{3}[.\-]\d{3}[.\-]\d{4}"
    )
    share = _matching(evidence, pattern, lambda v: v[:1] in "+(0123456789" and len(v) >= 9)
    return min(share, _digits_between(evidence, 7, 15)) if share else 0.0


def _whole_numbers(evidence: ColumnEvidence) -> float:
    if evidence.values is None or evidence.kind != "numeric":
        return 0.0
    present = present_floats(evidence.values)
    whole = present.size and np.all(np.mod(present, 1) == 0) and present.min() >= 0
    return 1.0 if whole else 0.0


def _within(limit: float) -> Callable[[ColumnEvidence], float]:
    def share(evidence: ColumnEvidence) -> float:
        if evidence.values is None or evidence.kind != "numeric":
            return 0.0
        present = present_floats(evidence.values)
        return float(np.mean(np.abs(present) <= limit)) if present.size else 0.0

    return share


@dataclass(frozen=True)
class ValueTest:
    """A test on a column's values: the share of values passing it, the share it needs, and
    what passing values are, in words."""

    phrase: str
    threshold: float
    share: Callable[[ColumnEvidence], float]


_HASHES = (32, 36, 40, 64)  # lengths of MD5, UUID, SHA-1 and SHA-256 texts
_NAME_CHARS = r"[^\W\d_]+(?:[ .,'\-]+[^\W\d_]+){0,4}\.?"
VALUE_TESTS: dict[str, ValueTest] = {
    "email": ValueTest(
        "are e-mail addresses",
        0.9,
        lambda e: _matching(e, r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", lambda v: "@" in v),
    ),
    "phone": ValueTest("look like phone numbers", 0.9, _phone_share),
    "formatted_phone": ValueTest("are written like phone numbers", 0.9, _formatted_phone_share),
    "person_name": ValueTest(
        "look like names", 0.9, lambda e: _matching(e, _NAME_CHARS, lambda v: v[:1].isalpha())
    ),
    "has_letters": ValueTest(
        "contain words", 0.9, lambda e: _matching(e, r".*[A-Za-z].*", lambda v: True)
    ),
    "stripe_customer": ValueTest(
        "are Stripe customer ids (cus_…)",
        0.9,
        lambda e: _matching(e, r"cus_[A-Za-z0-9]{6,}", lambda v: v.startswith("cus_")),
    ),
    "stripe_payment": ValueTest(
        "are Stripe payment ids (ch_…, py_…, pi_…)",
        0.9,
        lambda e: _matching(
            e, r"(ch|py|pi|in|txn)_[A-Za-z0-9]{6,}", lambda v: "_" in v[:4] and v[:1] in "cpit"
        ),
    ),
    "order_number": ValueTest(
        "are order numbers (#1001)", 0.9, lambda e: _matching(e, r"#\d+", lambda v: v[:1] == "#")
    ),
    "device_id": ValueTest(
        "are IP addresses, UUIDs or hashes",
        0.9,
        lambda e: _matching(
            e,
            r"\d{1,3}(\.\d{1,3}){3}|([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}|[0-9a-fA-F]{8}"
            r"(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}",
            lambda v: v.count(".") == 3 or v.count(":") >= 3 or "::" in v or len(v) in _HASHES,
        ),
    ),
    "postcode": ValueTest(
        "look like postcodes",
        0.9,
        lambda e: _matching(e, r"(?=.*\d)[A-Za-z0-9][A-Za-z0-9 \-]{1,9}", lambda v: len(v) <= 10),
    ),
    "country": ValueTest("are ISO 3166 country codes or names", 0.8, _country_share),
    "country_name": ValueTest("are country names", 0.9, _country_name_share),
    "currency": ValueTest("are ISO 4217 currency codes", 0.95, _currency_share),
    "status": ValueTest("are order statuses (paid, pending, refunded …)", 0.8, _status_share),
    "test_mode": ValueTest(
        "are 'test' or 'live'",
        1.0,
        lambda e: _in_set(e, frozenset({"test", "live", "test mode", "live mode"}), _lower),
    ),
    "money": ValueTest(
        "are money amounts",
        0.5,
        lambda e: _matching(
            e, r".*([$€£¥₹]|\b(USD|EUR|GBP|CHF|CAD|AUD|JPY)\b).*", lambda v: not v[:1].isalpha()
        ),
    ),
    "counts": ValueTest("are whole numbers", 1.0, _whole_numbers),
    "latitude": ValueTest("are between -90 and 90", 1.0, _within(90)),
    "longitude": ValueTest("are between -180 and 180", 1.0, _within(180)),
    "separated": ValueTest(
        "hold several labels",
        0.2,
        lambda e: _matching(e, r"\[.*\]|.+[,;|].+", lambda v: True),
    ),
}
KIND_PHRASES = {
    "datetime": "parse as dates",
    "numeric": "are numbers",
    "boolean": "are yes/no",
}

# --- rules --------------------------------------------------------------------------------------

TEXT = frozenset({"categorical", "text", "id"})
NUMBER = frozenset({"numeric"})
DATE = frozenset({"datetime"})
FLAG = frozenset({"boolean"})
ANY = frozenset({"id", "numeric", "categorical", "boolean", "datetime", "text"})


@dataclass(frozen=True)
class Rule:
    """Columns of ``meaning``: a name matching ``name`` (and not ``unless``), one of ``kinds``,
    in a table whose rows are ``rows`` ("customers", "orders" or "any"), whose values pass the
    value test ``values`` (a key of :data:`VALUE_TESTS`, or none)."""

    meaning: str
    name: str = ""
    kinds: frozenset[str] = ANY
    values: str = ""
    rows: str = "any"
    unless: str = ""


_CUSTOMER_KEY = (
    r"^(customer|client|member|user|account|buyer|shopper|subscriber|patron|guest|customer user)"
    r"( (id|key|number|code|ref|reference|uid|uuid))?$"
)
_ORDER_KEY = (
    r"^(sales )?(order|invoice|transaction|receipt|basket|ticket|payment|charge|checkout|cart|"
    r"sale|purchase|payment ?intent)s? (id|key|number|ref|reference|code)\b|^(order|invoice)$"
)
_PLATFORM_ID = (
    r"^(id|uuid|guid|record id|object id|row id|hs object id|klaviyo id|hubspot id|stripe id|"
    r"shopify id|web id|leid|euid|unique email id|device id|card id|profile id|external id)$|"
    r"\b(fingerprint|last4|last 4|ip|ip address|ip opt|ip signup)\b"
)
_EMAIL = r"\be ?-?mail\b"
_PHONE = r"\b(phone|mobile|cell|cellphone|telephone|whatsapp|fax)\b"
_POSTCODE = r"\b(zip|zip code|zipcode|postcode|post code|postal code|postal|plz)\b"
_NOT_PHONE_NUMBER = r"\b(calls?|minutes|charges?|count|usage|service|plan|lines?|type|bill|data)\b"
_PERSON = (
    r"^((billing|shipping|customer|contact|card|member|user|client|buyer|recipient|cardholder|"
    r"account holder) )?((first|last|given|family|full|middle|display|nick|sur) ?)?name"
    r"( (billing|shipping))?$|^surname$"
)
_MONEY_EXCLUDED = (
    r"\b(tax|taxes|shipping|discount|fee|fees|duties|outstanding|compare|tip|cost|disputed?)\b"
)
_NOT_VALUE = (
    r"\b(average|mean|per|monthly|rate|score|limit|predicted|expected|minimum|maximum|min|max|"
    r"frequency|count|number|orders|credit|income|salary|price|tax|shipping|discount|fee)\b"
)
_CREATED = r"^(created|created at|created on|created utc|create date|date created|creation date)$"

RULES: tuple[Rule, ...] = (
    # keys that the values give away, whatever the name
    Rule("customer_key", kinds=TEXT, values="stripe_customer"),
    Rule("order_key", kinds=TEXT, values="stripe_payment"),
    Rule("order_key", kinds=TEXT, values="order_number"),
    Rule("customer_key", _CUSTOMER_KEY, kinds=frozenset({"id"})),
    # personal data
    Rule("email", _EMAIL, kinds=TEXT, values="email"),
    Rule("email", kinds=TEXT, values="email"),
    Rule("order_key", _ORDER_KEY),
    Rule("internal_id", _PLATFORM_ID),
    Rule("internal_id", kinds=TEXT, values="device_id"),
    Rule("phone", _PHONE, kinds=TEXT | NUMBER, values="phone", unless=_NOT_PHONE_NUMBER),
    Rule("phone", kinds=TEXT, values="formatted_phone"),
    Rule("person_name", _PERSON, kinds=TEXT, values="person_name"),
    # where
    Rule("postcode", _POSTCODE, kinds=TEXT | NUMBER, values="postcode"),
    Rule("country", r"\b(country|country code|cc|nation|country region)\b", kinds=TEXT,
         values="country"),
    Rule("country", r"\b(country|country code|nation|country region)\b", kinds=TEXT | NUMBER),
    Rule("country", kinds=TEXT, values="country_name"),
    Rule("region", r"\b(region|state|province|county|territory|prefecture|district)\b",
         kinds=TEXT | NUMBER),
    Rule("city", r"\b(city|town|locality|suburb|municipality)\b", kinds=TEXT),
    Rule("latitude", r"\b(lat|latitude)\b", kinds=NUMBER, values="latitude"),
    Rule("longitude", r"\b(lon|lng|long|longitude)\b", kinds=NUMBER, values="longitude"),
    Rule("street_address", r"\b(street|address ?\d?|address line ?\d?|addr ?\d?|line ?[12])\b",
         kinds=TEXT, values="has_letters", unless=r"\b(company|email|ip)\b"),
    # when
    Rule("signup_date", r"\b(signup|sign up|signed up|joined|join date|registration|registered|"
         r"member since|customer since|since|enrol+ed|enrol+ment|subscribed|subscription date|"
         r"opt in|confirm|first active|date added|profile created|became|date customer|"
         r"start date|account created)\b", kinds=DATE),
    Rule("order_date", r"\b(order|orders|invoice|purchase|transaction|sale|checkout|placed|"
         r"ordered|payment)\b", kinds=DATE, unless=r"\b(expected|next|predicted)\b"),
    Rule("order_date", _CREATED + r"|^date$", kinds=DATE, rows="orders"),
    Rule("signup_date", _CREATED, kinds=DATE, rows="customers"),
    # orders and money
    Rule("refund_amount", r"\brefund(s|ed)?\b", kinds=NUMBER, unless=r"\b(quantity|units)\b"),
    Rule("test_order", r"\btest\b", kinds=FLAG),
    Rule("test_order", kinds=TEXT, values="test_mode"),
    Rule("order_status", r"\bstatus\b", kinds=TEXT, values="status"),
    Rule("order_status", kinds=TEXT, values="status"),
    Rule("currency", r"\b(currency|ccy)\b", kinds=TEXT, values="currency"),
    Rule("currency", r"\b(currency|ccy)\b", kinds=TEXT),
    Rule("currency", kinds=frozenset({"categorical"}), values="currency"),
    Rule("unit_price", r"\b(price|unit price|unit cost|item cost|price each)\b", kinds=NUMBER,
         rows="orders", unless=r"\b(compare|sensitiv\w*|range|tier|level|list|total)\b"),
    Rule("quantity", r"\b(quantity|units|items|pieces|item count)\b", kinds=NUMBER,
         rows="orders"),
    Rule("line_amount", r"\b(line|lineitem|item|product)\b.*\b(amount|total|value|subtotal)\b|"
         r"\bextended price\b", kinds=NUMBER, rows="orders", unless=_MONEY_EXCLUDED),
    Rule("order_total", r"\b(total|subtotal|amount|value|revenue|sales|paid|net|gross|sum|spend|"
         r"spent)\b", kinds=NUMBER, rows="orders", unless=_MONEY_EXCLUDED),
    Rule("order_total", kinds=NUMBER, rows="orders", values="money"),
    Rule("order_count", r"\b(frequency|orders|order count|purchases|purchase count|"
         r"payment count|transactions|transaction count)\b", kinds=NUMBER, rows="customers",
         values="counts"),
    Rule("customer_value", r"\b(total spent|total spend|lifetime value|customer value|"
         r"total charges|revenue|monetary|spend|spent|spending|sales|purchases|balance|amount|"
         r"total|value|charges|payments)\b", kinds=NUMBER, rows="customers", unless=_NOT_VALUE),
    Rule("customer_value", kinds=NUMBER, rows="customers", values="money"),
    # consent and response
    Rule("consent", r"\b(accepts marketing|accepts email marketing|accepts sms marketing|"
         r"marketing|opt in|opted in|opt out|opted out|consent|subscribed|unsubscribed|"
         r"subscriber|newsletter|subscription status|gdpr|do not email|do not contact|"
         r"permission)\b", kinds=FLAG | TEXT),
    Rule("campaign_response", r"\b(response|responded|responder|accepted campaign ?\d*|"
         r"converted|conversion|campaign)\b", kinds=FLAG),
    # words
    Rule("tags", r"\b(tags?|labels?)\b", kinds=TEXT, values="separated"),
    Rule("tags", r"\b(tags?|labels?)\b", kinds=TEXT),
    Rule("free_text", r"\b(note|notes|comment|comments|description|message|feedback|review|"
         r"remarks|memo|bio)\b", kinds=TEXT),
    Rule("free_text", kinds=frozenset({"text"})),
)  # fmt: skip


def written_as_text(name: str, head: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a column's digits are a code, not a quantity, so its values stay as written
    (leading zeros and + too): its name says phone numbers, postcodes or card digits, or its
    first values are written like phone numbers.

    >>> written_as_text("Billing Zip"), written_as_text("Phone"), written_as_text("phone_calls")
    (True, True, False)
    >>> written_as_text("contact", ["+44 20 7946 0958", "+1 555-010-1234"])
    True
    """
    if _code_name(name):
        return True
    evidence = ColumnEvidence(name, "categorical", tuple(head[:SAMPLE_SIZE]))
    return bool(head) and _formatted_phone_share(evidence) >= 0.9


@lru_cache(maxsize=8192)
def _code_name(name: str) -> bool:
    words = spelled_out(name)
    phone = re.search(_PHONE, words) and not re.search(_NOT_PHONE_NUMBER, words)
    return bool(phone or re.search(_POSTCODE + r"|\blast ?4\b", words))


@lru_cache(maxsize=1)
def _rule_patterns() -> tuple[tuple[re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    """Each rule's name and ``unless`` patterns, compiled once (``re.search`` with a pattern
    string looks it up in re's cache on every call: most of the cost on wide files)."""
    return tuple(
        (
            re.compile(rule.name) if rule.name else None,
            re.compile(rule.unless) if rule.unless else None,
        )
        for rule in RULES
    )


@lru_cache(maxsize=8192)
def _name_hits(name: str) -> frozenset[int]:
    """Indexes of the rules whose name pattern matches this column name."""
    words = spelled_out(name)
    hits = set()
    for index, (pattern, unless) in enumerate(_rule_patterns()):
        if pattern is None or not pattern.search(words):
            continue
        if unless is None or not unless.search(words):
            hits.add(index)
    return frozenset(hits)


def detect_meaning(evidence: ColumnEvidence) -> MeaningGuess:
    """The meaning of a column and why, from its name and a sample of its values.

    Examples
    --------
    >>> sample = ("ann@example.com", "bo@example.org")
    >>> detect_meaning(ColumnEvidence("Email", "categorical", sample))
    MeaningGuess(meaning='email', reason="name 'Email' and all values are e-mail addresses")
    >>> detect_meaning(ColumnEvidence("Created at", "datetime", sample, share=0.98,
    ...                               customers=False)).reason
    "name 'Created at' and 98% of values parse as dates"
    """
    hits = _name_hits(evidence.name)
    for index, rule in _rules_for(evidence.kind):
        if rule.name and index not in hits:
            continue
        if rule.rows != "any" and (rule.rows == "customers") != evidence.customers:
            continue
        share = _test_share(evidence, rule.values) if rule.values else evidence.share
        if rule.values and share < VALUE_TESTS[rule.values].threshold:
            continue
        return MeaningGuess(rule.meaning, _reason(evidence, rule, share))
    return MeaningGuess("other", OTHER_REASON)


@lru_cache(maxsize=16)
def _rules_for(kind: str) -> tuple[tuple[int, Rule], ...]:
    """The rules (with their indexes in :data:`RULES`) that may match a column of this kind."""
    return tuple((index, rule) for index, rule in enumerate(RULES) if kind in rule.kinds)


def _test_share(evidence: ColumnEvidence, test: str) -> float:
    if test not in evidence._cache:
        evidence._cache[test] = VALUE_TESTS[test].share(evidence)
    return evidence._cache[test]


def _reason(evidence: ColumnEvidence, rule: Rule, share: float) -> str:
    phrase = VALUE_TESTS[rule.values].phrase if rule.values else KIND_PHRASES.get(evidence.kind)
    if rule.meaning == "free_text" and not rule.name:
        return "long, varied text"
    named = f"name '{evidence.name}'"
    if phrase is None:
        return f"{named} reads as {meaning_of(rule.meaning).label}"
    values = f"{_share_words(share)} {phrase}"
    return f"{named} and {values}" if rule.name else values


def _share_words(share: float) -> str:
    if share >= 1:
        return "all values"
    if share >= 0.995:
        return "over 99% of values"
    return f"{share:.0%} of values"
