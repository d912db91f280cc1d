"""``python -m segmentation customers INPUT [MORE_INPUTS...] OUTPUT.csv [--report REPORT.json]``.

The inputs are written by small seeded generators that also return the truth: a profile export
(e-mails in mixed case, with stray spaces) and a Shopify-layout orders export (order-level fields
on each order's first line only) of partly the same customers.
"""

from __future__ import annotations

import json
import random
import subprocess
from dataclasses import dataclass

import pandas as pd
import pytest

from tests.cli import run_cli, run_process

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Total,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price"
)
PRODUCTS = (("Dog food", 24.0), ("Cat toy", 6.5), ("Leash", 12.0), ("Bowl", 9.0))
REPORT_KEYS = ["layouts", "columns", "currency", "exclusions", "match", "customers"]


@dataclass(frozen=True)
class Truth:
    """What the loader must find: per customer e-mail (lower case), orders and net spend."""

    orders: dict[str, int]
    spend: dict[str, float]
    profiles: tuple[str, ...]

    @property
    def customers(self) -> int:
        return len(set(self.orders) | set(self.profiles))


def shop_files(n_profiles: int = 40, n_buyers: int = 36, seed: int = 7) -> tuple[str, str, Truth]:
    """A profile CSV, a Shopify-layout orders CSV and their truth: customers 0..n_profiles-1
    have profiles, customers 10..10+n_buyers-1 have orders."""
    rng = random.Random(seed)
    emails = [f"customer{i}@example.com" for i in range(max(n_profiles, 10 + n_buyers))]
    profile_rows = [
        "Email,First Name,Accepts Marketing,Tags,Country",
        *(
            f" {e.upper() if i % 3 == 0 else e} ,{rng.choice(['Ann', 'Ben', 'Cleo', 'Dev'])},"
            f'{rng.choice(["yes", "no"])},"{rng.choice(["vip", "dog, vip", "cat"])}",'
            f"{rng.choice(['US', 'GB', 'DE'])}"
            for i, e in enumerate(emails[:n_profiles])
        ),
    ]
    lines, orders, spend, number = [SHOPIFY_HEADER], {}, {}, 1000
    for email in emails[10 : 10 + n_buyers]:
        for _ in range(rng.randint(1, 4)):
            number += 1
            day = f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d} 1{rng.randint(0, 9)}:00"
            items = [(rng.choice(PRODUCTS), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            subtotal = sum(price * qty for (_, price), qty in items)
            total = subtotal + 5.0
            for n, ((name, price), qty) in enumerate(items):
                first = n == 0
                order_fields = (
                    f"paid,{day}:00 +0000,fulfilled,USD,{subtotal:.2f},{total:.2f}"
                    if first
                    else ",,,,,"
                )
                lines.append(
                    f"#{number},{email},{order_fields},{day}:00 +0000,{qty},{name},{price:.2f}"
                )
            orders[email] = orders.get(email, 0) + 1
            spend[email] = round(spend.get(email, 0.0) + total, 2)
    truth = Truth(orders, spend, tuple(emails[:n_profiles]))
    return "\n".join(profile_rows) + "\n", "\n".join(lines) + "\n", truth


def customers(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("customers", *args)


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    folder = tmp_path_factory.mktemp("customers")
    profiles, orders, truth = shop_files()
    (folder / "profiles.csv").write_text(profiles)
    (folder / "orders.csv").write_text(orders)
    out, report = folder / "customers.csv", folder / "report.json"
    done = run_process(  # the command's real-process test
        "customers", folder / "profiles.csv", folder / "orders.csv", out, "--report", report
    )
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out), json.loads(report.read_text()), truth, done


def test_one_row_per_customer_with_the_key_first(joined) -> None:
    table, _, truth, done = joined
    assert table.columns[0] == "Email"
    assert len(table) == truth.customers == 46
    assert table["Email"].str.lower().str.strip().is_unique
    for name in ("order_count", "net_spend", "first_order", "last_order", "Accepts Marketing"):
        assert name in table.columns
    assert "frequency" not in table.columns and "monetary" not in table.columns
    assert f"Wrote {truth.customers} customers" in done.stderr


def test_orders_and_spend_per_customer_match_the_truth(joined) -> None:
    table, _, truth, _ = joined
    by_email = table.assign(key=table["Email"].str.lower().str.strip()).set_index("key")
    for email, count in truth.orders.items():
        assert by_email.loc[email, "order_count"] == count, email
        assert by_email.loc[email, "net_spend"] == pytest.approx(truth.spend[email]), email
    no_orders = by_email.loc["customer0@example.com"]
    assert (no_orders["order_count"], no_orders["net_spend"]) == (0, 0)
    assert pd.isna(no_orders["last_order"])
    assert pd.isna(by_email.loc["customer45@example.com", "Country"])  # buyer, no profile


def test_the_report(joined) -> None:
    table, report, truth, _ = joined
    assert list(report) == REPORT_KEYS
    assert report["layouts"][0] == {"file": "profiles.csv", "layout": None, "rows": "customers"}
    assert report["layouts"][1]["file"] == "orders.csv"
    assert report["layouts"][1]["layout"]["key"] == "shopify_orders"
    assert report["layouts"][1]["rows"] == "orders"
    assert list(report["columns"]) == list(table.columns)
    assert report["columns"]["Email"] == "email"
    assert report["columns"]["order_count"] == "order_count"
    assert report["columns"]["net_spend"] == "customer_value"
    assert report["columns"]["Accepts Marketing"] == "consent"
    assert report["columns"]["first_order"] == report["columns"]["last_order"] == "order_date"
    assert report["currency"] == "USD"
    assert all(set(e) == {"reason", "count"} for e in report["exclusions"])
    match = report["match"]
    assert match["matched"]["count"] == 30  # customers 10..39
    assert match["only_in_profiles"]["count"] == 10
    assert match["only_in_orders"]["count"] == 6
    assert match["only_in_orders"]["examples"][0] == "customer40@example.com"
    assert report["customers"] == truth.customers


def test_a_single_orders_file(tmp_path) -> None:
    _, orders, truth = shop_files()
    (tmp_path / "orders.csv").write_text(orders)
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    done = customers(str(tmp_path / "orders.csv"), str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) == len(truth.orders)
    assert json.loads(report.read_text())["match"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "out.csv"], "There is no file at 'missing.csv'"),
        (["out.csv"], "give at least one input file and the output CSV"),
    ],
)
def test_bad_input_is_a_message_and_exit_code_2(tmp_path, args, message) -> None:
    done = customers(*[str(tmp_path / a) if a.endswith(".csv") else a for a in args])
    assert done.returncode == 2
    assert message.replace("'missing.csv'", f"'{tmp_path / 'missing.csv'}'") in done.stderr


def test_files_without_a_common_key(tmp_path) -> None:
    _, orders, _ = shop_files()
    crm = "customer_id,segment\n" + "".join(f"{5000 + i},{'AB'[i % 2]}\n" for i in range(20))
    (tmp_path / "crm.csv").write_text(crm)
    (tmp_path / "orders.csv").write_text(orders)
    paths = [str(tmp_path / name) for name in ("crm.csv", "orders.csv", "out.csv")]
    done = customers(*paths)
    assert done.returncode == 2
    assert "error: No customer of 'crm.csv' matches one of 'orders.csv'" in done.stderr
    assert "'5000', '5001', '5002'" in done.stderr
