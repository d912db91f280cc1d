"""Which column of an orders file holds what (the mapping the Data page's orders form edits),
and what was left out of an aggregation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

AMOUNT_PER = ("line", "order")


@dataclass(frozen=True)
class OrderColumns:
    """Which column of an orders file holds what; amount, or quantity × unit price, gives value."""

    customer_id: str
    order_date: str
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    order_id: str | None = None
    carried: tuple[str, ...] = field(default_factory=tuple)
    # what counts as a purchase (issue 12): an order/financial status column (paid/completed
    # count; pending, failed, voided, cancelled, authorized-only do not), a refunded-amount
    # column subtracted from the order, a test-order flag
    status: str | None = None
    refund: str | None = None
    test_flag: str | None = None
    # money: the currency column; analyse only ``only_currency``, or convert with ``rates``
    # ((code, rate to the analysis currency) pairs the user confirmed)
    currency: str | None = None
    only_currency: str | None = None
    rates: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    # "line": amounts add up over an order's lines; "order": the amount is the order's total,
    # given on every line (repeated) or on the first line only, and is counted once per order
    amount_per: str = "line"
    # a phone column that keys guests without a customer key (only when the user agrees)
    phone: str | None = None
    # the platform layout the mapping was pre-filled from (a key of segmentation.data.layouts)
    layout: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (for links and saved projects)."""
        return {
            **asdict(self),
            "carried": list(self.carried),
            "rates": [[code, rate] for code, rate in self.rates],
        }

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> OrderColumns:
        """The mapping saved by :meth:`to_dict` (older links lack the newer fields)."""
        known = {f for f in cls.__dataclass_fields__}
        kept = {k: v for k, v in values.items() if k in known}
        kept["carried"] = tuple(kept.get("carried") or ())
        kept["rates"] = tuple((str(c), float(r)) for c, r in kept.get("rates") or ())
        return cls(**kept)

    def mapped(self) -> tuple[str, ...]:
        """The names of every column the mapping uses, in field order."""
        single = (
            self.customer_id,
            self.order_date,
            self.amount,
            self.quantity,
            self.unit_price,
            self.order_id,
            self.status,
            self.refund,
            self.test_flag,
            self.currency,
            self.phone,
        )
        return tuple(name for name in (*single, *self.carried) if name is not None)


@dataclass(frozen=True)
class Exclusion:
    """Rows left out of the aggregation, and why (``rows`` counts lines, or orders when the
    reason says orders)."""

    reason: str
    rows: int
