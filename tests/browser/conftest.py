"""Settings for every browser test (the fixtures live in tests/conftest.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import EXPECT_TIMEOUT_MS

# expect(...) retries until its condition holds; its 5 s default is too short for a rerun on
# a busy 2-core machine, and a longer bound costs nothing when the condition holds sooner.
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
