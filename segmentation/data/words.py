"""Columns' names in plain words, for every page and export that names a column.

A name is split into lower-case words (:func:`normalise_name`: ``MntWines`` → ``mnt wines``), its
abbreviations are spelled out (:func:`spelled_out`: ``amt`` → ``amount``), and the label rules
below turn it into a readable label (:func:`column_label`: ``MntWines`` → "Spend on wines",
``Created at`` → "Order date"). :func:`column_words` is the label as it reads inside a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

COLUMN_WORDS = {  # the measures the app derives from orders, in plain words
    "recency days": "days since the last order",
    "frequency": "number of orders",
    "monetary": "total spend",
    "avg order value": "average order value",
    "tenure days": "days as a customer",
    "return rate": "return rate",
}
# platforms' own column names (normalised) whose words do not say what they hold
PLATFORM_LABELS = {
    "created at": "order date",  # Shopify and WooCommerce orders
    "lineitem price": "unit price",
    "lineitem quantity": "quantity",
    "lineitem name": "product",
    "lineitem sku": "product SKU",
    "lineitem compare at price": "compare-at price",
    "financial status": "payment status",
    "accepts marketing": "e-mail opt-in",
    "accepts email marketing": "e-mail opt-in",
    "accepts sms marketing": "SMS opt-in",
    "optin time": "opt-in date",  # Mailchimp
    "optin ip": "opt-in IP address",
    "confirm time": "opt-in confirmed",
    "confirm ip": "confirmation IP address",
    "cc": "country code",
    "gmtoff": "GMT offset",
    "dstoff": "daylight-saving offset",
    "leid": "Mailchimp ID",
    "euid": "Mailchimp ID",
    "created utc": "created",  # Stripe
    "card last4": "card's last 4 digits",
    "card last 4": "card's last 4 digits",
    "year birth": "birth year",  # the marketing-campaign data set's
    "dt customer": "customer since",
    "kidhome": "kids at home",
    "teenhome": "teens at home",
}
# (pattern on the normalised name, label template): the first that matches gives the label
LABEL_PATTERNS = (
    (re.compile(r"^mnt (.+)$"), r"spend on \1"),  # MntWines: amount spent on wines
    (re.compile(r"^num (.+) month$"), r"\1 per month"),  # NumWebVisitsMonth
    (re.compile(r"^num deals purchases$"), r"deal purchases"),  # NumDealsPurchases
    (re.compile(r"^num (.+)$"), r"\1"),  # NumWebPurchases: a count of web purchases
    (re.compile(r"^accepted cmp ?(\d+)$"), r"accepted campaign \1"),
)
ABBREVIATIONS = {
    "mnt": "amount spent",  # the marketing-campaign data set's MntWines, MntFruits …
    "amt": "amount",
    "qty": "quantity",
    "dob": "date of birth",
    "cust": "customer",
    "addr": "address",
    "avg": "average",
    "txn": "transaction",
    "prod": "product",
    "prods": "products",
    "cmp": "campaign",
    "dt": "date",
    "pct": "percent",
    "yr": "year",
    "tel": "phone",
    "e mail": "e-mail",
    "ltv": "lifetime value",
    "clv": "customer lifetime value",
}
# names written as one word that hold two
FUSED_WORDS = {
    "customerid": "customer id",
    "custid": "customer id",
    "clientid": "client id",
    "userid": "user id",
    "memberid": "member id",
    "orderid": "order id",
    "invoiceno": "invoice no",
    "firstname": "first name",
    "lastname": "last name",
    "fullname": "full name",
    "fname": "first name",
    "lname": "last name",
    "zipcode": "zip code",
    "postalcode": "postal code",
    "emailaddress": "email address",
    "phonenumber": "phone number",
    "optin": "opt in",
}
ACRONYMS = {"id": "ID", "ids": "IDs", "sku": "SKU", "ip": "IP", "sms": "SMS", "utc": "UTC"}
_TRAILING_NUMBER = re.compile(r" (no|nr|num)$")
# every abbreviation in one pattern: no spelled-out form holds another abbreviation as a word,
# so one pass gives what replacing them one after another gives
_ABBREVIATION = re.compile(r"\b(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")\b")
_LETTERS_THEN_DIGITS = re.compile(r"(?<=[a-z])(?=\d)")


@lru_cache(maxsize=8192)
def normalise_name(name: str) -> str:
    """A column name in lower-case words: 'CustomerID' → 'customer id'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", spaced).lower().split())


@lru_cache(maxsize=8192)
def name_words(name: str) -> str:
    """A column's name split into lower-case words: 'MntWines' → 'mnt wines'."""
    return normalise_name(name)


@lru_cache(maxsize=8192)
def spelled_out(name: str) -> str:
    """The name's words with fused words split, digits apart and abbreviations spelled out:
    'CUST_ID' → 'customer id', 'InvoiceNo' → 'invoice number', 'Address1' → 'address 1'."""
    words = " ".join(FUSED_WORDS.get(word, word) for word in normalise_name(name).split())
    words = _LETTERS_THEN_DIGITS.sub(" ", words)
    words = _TRAILING_NUMBER.sub(" number", words)
    return _ABBREVIATION.sub(lambda found: ABBREVIATIONS[found.group(1)], words)


@lru_cache(maxsize=8192)
def column_label(name: str) -> str:
    """A column's readable label, from the platforms' conventions and the label rules.

    >>> column_label("MntWines"), column_label("NumWebPurchases"), column_label("Created at")
    ('Spend on wines', 'Web purchases', 'Order date')
    >>> column_label("TotalCharges"), column_label("recency_days"), column_label("cust_id")
    ('Total charges', 'Days since the last order', 'Customer ID')
    """
    words = normalise_name(name)
    label = COLUMN_WORDS.get(words) or PLATFORM_LABELS.get(words)
    if label is None:
        for pattern, template in LABEL_PATTERNS:
            if pattern.match(words):
                label = spelled_out(pattern.sub(template, words))
                break
        else:
            label = spelled_out(name) or str(name)
    label = " ".join(ACRONYMS.get(word, word) for word in label.split())
    return label[:1].upper() + label[1:]


@lru_cache(maxsize=8192)
def column_words(name: str) -> str:
    """A column's label as it reads inside a sentence: 'recency_days' → 'days since the last
    order'.

    >>> column_words("recency_days"), column_words("pet_type"), column_words("MntWines")
    ('days since the last order', 'pet type', 'spend on wines')
    """
    label = column_label(name)
    first = label.split(" ", 1)[0]
    if first in ACRONYMS.values() or first[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]
