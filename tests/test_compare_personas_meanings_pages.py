"""AppTest of the Personas and Compare pages on a campaign file (issue 12): labels, not raw
column names; revenue from the family of spend columns; money, birth years and counts written by
meaning; the marketing mix reads the channel purchase counts."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import open_app, upload
from tests.test_personas_in_plain_words import campaign_table


@pytest.fixture(scope="module")
def campaign_app() -> AppTest:
    frame, _ = campaign_table(n=500)
    return upload(open_app(), "marketing_campaign.csv", frame.to_csv(index=False).encode())


def visit(app: AppTest, page: str) -> AppTest:
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def test_compare_shows_labels_and_revenue_from_the_spend_columns(campaign_app: AppTest) -> None:
    app = visit(campaign_app, "pages/compare.py")
    frames = [f.value for f in app.dataframe]
    kpis = next(f for f in frames if "Customers" in f.index)
    assert {"Revenue", "Share of revenue", "Value per customer"} <= set(kpis.index)
    differences = next(f for f in frames if "Verdict" in f.columns)
    features = set(differences["Feature"])
    assert {"Spend on wines", "Web purchases", "Deal purchases"} <= features
    assert not any(re.search(r"Mnt|Num[A-Z]|_", f) for f in features)
    typical = differences.set_index("Feature").iloc[:, 0]
    if "Birth year" in typical.index:  # the Data page may offer age instead
        assert re.fullmatch(r"19\d\d(\.\d)?", typical["Birth year"])
    assert re.fullmatch(r"\d+(\.\d)?", typical["Web purchases"])


def test_persona_cards_read_in_plain_words(campaign_app: AppTest) -> None:
    app = visit(campaign_app, "pages/personas.py")
    text = "\n".join(m.value for m in app.markdown)
    assert not re.search(r"Mnt[A-Z]|Num[A-Z]|Year_Birth|year-birth", text)
    assert not re.search(r"\b1,9\d\d\b", text)
    reach = re.findall(r"\*\*Reach:\*\* ([^\n]+)", text)
    assert reach and not all(r.startswith("No clear signal") for r in reach)
    caption = "\n".join(c.value for c in app.caption)
    assert re.search(r"Revenue comes from .?total spend", caption, re.IGNORECASE), caption
