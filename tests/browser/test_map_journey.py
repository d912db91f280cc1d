"""The Map page in a real Chromium: the map appears, a lasso selects customers, and the
selection is saved as a segment."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import app_reruns, assert_no_exception, wait_for_app

SLOW = 300_000  # the first map on a fresh machine compiles UMAP's code


def lasso(page: Page, plot, left: float, top: float, right: float, bottom: float) -> None:
    """Drag a lasso around the rectangle given as fractions of the plot area."""
    box = plot.bounding_box()
    assert box is not None
    corners = [(left, top), (right, top), (right, bottom), (left, bottom), (left, top)]
    points = []
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        points += [(x0 + (x1 - x0) * t / 8, y0 + (y1 - y0) * t / 8) for t in range(8)]
    first = points[0]
    page.mouse.move(box["x"] + box["width"] * first[0], box["y"] + box["height"] * first[1])
    page.mouse.down()
    for fx, fy in [*points[1:], first]:
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=2)
    page.mouse.up()


def test_lasso_customers_on_the_map_and_keep_them_as_a_segment(
    page: Page, streamlit_server: str
) -> None:
    page.goto(f"{streamlit_server}/map")
    wait_for_app(page, timeout=SLOW)
    # the map itself (keyed map_chart_…), not the quick preview drawn while it computes
    plot = page.locator(
        '[class*="st-key-map_chart_"] [data-testid="stPlotlyChart"] .js-plotly-plot .nsewdrag'
    ).first
    expect(plot).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Your customers, coloured by segment")).to_be_visible()
    assert_no_exception(page)

    plot.scroll_into_view_if_needed()
    with app_reruns(page, timeout=SLOW):
        lasso(page, plot, 0.02, 0.02, 0.98, 0.98)
    summary = page.get_by_text(re.compile(r"[\d,]+ customers selected"))
    expect(summary).to_be_visible(timeout=SLOW)
    selected = int(re.search(r"([\d,]+) customers", summary.inner_text()).group(1).replace(",", ""))
    assert selected > 100, "a lasso around the whole map picks many customers"
    expect(page.get_by_text("Where they differ most from everyone else")).to_be_visible()

    page.get_by_role("textbox", name="Segment name").fill("Whole map")
    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Save as a segment").click()
    expect(page.get_by_text(f"Saved {selected:,} customers as 'Whole map'")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("Map selection: Whole map").first).to_be_visible()
    assert_no_exception(page)
