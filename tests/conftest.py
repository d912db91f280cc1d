"""Shared pytest fixtures.

Browser tests (everything under tests/browser/, automatically marked ``browser``)
use ``streamlit_server`` + ``page``; they drive Debian's chromium through Playwright.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.server import (
    CHROMIUM_ARGS,
    REPO_ROOT,
    ServerStartError,
    chromium_path,
    start_server,
    stop_server,
)

# the session's PostgreSQL server for the snapshot store tests (started on first use)
from tests.engine_servers import dask_cluster, s3_endpoint, s3_env  # noqa: F401
from tests.postgres_server import postgres_url  # noqa: F401

BROWSER_TESTS_DIR = REPO_ROOT / "tests" / "browser"


CHROMIUM_MISSING_CI = (
    "chromium is missing under CI: `make test` installs it with apt-get when running as "
    "root or with passwordless sudo; otherwise install `chromium` in the CI image."
)
CHROMIUM_MISSING_LOCAL = (
    "Browser tests need Debian's chromium: run `sudo apt-get install chromium` "
    "(make test does it when it can)."
)


def _under_ci() -> bool:
    return os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Skip early (before the streamlit server starts) when chromium is missing locally;
    # under CI the `browser` fixture fails instead.
    skip_browser = None
    if chromium_path() is None and not _under_ci():
        skip_browser = pytest.mark.skip(reason=CHROMIUM_MISSING_LOCAL)
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)
        if skip_browser is not None and item.get_closest_marker("browser"):
            item.add_marker(skip_browser)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def data_dir(repo_root: Path) -> Path:
    return repo_root / "data"


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of ``streamlit run app.py``, shared by the session."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    error = None
    try:
        server = start_server(cwd=REPO_ROOT, log_path=log_path)
    except ServerStartError as exc:
        error = str(exc)
    if error is not None:
        pytest.fail(error, pytrace=False)
    try:
        yield server.url
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (Playwright's own browsers are unused)."""
    executable = chromium_path()
    if executable is None:
        if _under_ci():
            pytest.fail(CHROMIUM_MISSING_CI, pytrace=False)
        pytest.skip(CHROMIUM_MISSING_LOCAL)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    from tests.browser.helpers import watch_runs

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = watch_runs(context.new_page())
    try:
        yield page
    finally:
        context.close()
