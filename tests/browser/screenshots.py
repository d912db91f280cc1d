"""Save a full-page screenshot of every page of the app into screenshots/.

Not a test: run it with ``make screenshots`` (or ``python tests/browser/screenshots.py``).
Starts ``streamlit run app.py`` like the browser tests do, reads the pages from the
``st.Page("pages/...")`` calls in app.py and writes ``screenshots/<url path>.png``.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests.browser...` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.helpers import wait_for_app
from tests.browser.server import CHROMIUM_ARGS, REPO_ROOT, chromium_path, start_server, stop_server

# Same rule as Streamlit's page_icon_and_name(): drop a leading number and separators.
_PAGE_FILENAME_RE = re.compile(r"([0-9]*)[_ -]*(.*)\.py")
MAX_HEIGHT = 16_000


@dataclass(frozen=True)
class AppPage:
    script: str  # e.g. "pages/1_data.py"
    url_path: str  # e.g. "data"; "" for a page declared with default=True


def url_path_for(script: str) -> str:
    """``pages/1_data.py`` -> ``data`` (the url path Streamlit infers for st.Page)."""
    match = _PAGE_FILENAME_RE.search(Path(script).name)
    if match is None:
        return Path(script).stem
    return re.sub(r"[_ ]+", "_", match.group(2)).strip() or match.group(1)


def _is_st_page_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "Page") or (
        isinstance(func, ast.Name) and func.id == "Page"
    )


def pages_from_app(app_path: Path) -> list[AppPage]:
    """All ``st.Page("pages/...")`` entries of app.py, in source order."""
    tree = ast.parse(app_path.read_text(encoding="utf-8"), filename=str(app_path))
    calls = [node for node in ast.walk(tree) if _is_st_page_call(node)]
    calls.sort(key=lambda node: (node.lineno, node.col_offset))
    pages: list[AppPage] = []
    for call in calls:
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        target = call.args[0] if call.args else keywords.get("page")
        if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
            continue  # a callable page; nothing to locate
        url_path = url_path_for(target.value)
        explicit = keywords.get("url_path")
        if isinstance(explicit, ast.Constant) and isinstance(explicit.value, str):
            url_path = explicit.value.strip().strip("/")
        default = keywords.get("default")
        if isinstance(default, ast.Constant) and default.value is True:
            url_path = ""
        pages.append(AppPage(script=target.value, url_path=url_path))
    return pages


def screenshot_name(page: AppPage) -> str:
    name = page.url_path or url_path_for(page.script) or "home"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png"


def _fit_viewport_to_content(page, width: int) -> None:
    """Streamlit scrolls inside its main container, so full_page alone would cut it off."""
    height = page.evaluate(
        """() => Math.max(
            document.documentElement.scrollHeight,
            ...[...document.querySelectorAll(
                '[data-testid="stMain"], [data-testid="stAppViewContainer"], '
                + '[data-testid="stSidebarContent"], section.main'
            )].map(el => el.scrollHeight))"""
    )
    page.set_viewport_size({"width": width, "height": max(1000, min(int(height), MAX_HEIGHT))})
    # two animation frames: the browser has laid out and painted the page at its new size
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def _warm_up(browser, base_url: str) -> None:
    """Open "/" once so that app.py (and its st.navigation call) runs before any deep link.

    Streamlit 1.67 quirk: while nothing has called st.navigation yet, a server whose
    entrypoint sits next to a ``pages/`` folder runs deep links (``/data``) in the legacy
    pages-folder mode, i.e. the page script alone, without app.py.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base_url)
        wait_for_app(page)
    finally:
        context.close()


def _display(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "screenshots")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="folder holding app.py")
    args = parser.parse_args(argv)

    executable = chromium_path()
    if executable is None:
        print("chromium is not installed: run `sudo apt-get install chromium`.", file=sys.stderr)
        return 2
    pages = pages_from_app(args.root / "app.py")
    if not pages:
        print('No st.Page("pages/...") entries found in app.py.', file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    server = start_server(cwd=args.root)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                _warm_up(browser, server.url)
                for app_page in pages:
                    context = browser.new_context(viewport={"width": args.width, "height": 1000})
                    page = context.new_page()
                    try:
                        page.goto(f"{server.url}/{app_page.url_path}")
                        wait_for_app(page)
                        _fit_viewport_to_content(page, args.width)
                        # widgets show grey skeletons until their code has loaded
                        page.locator('[data-testid="stSkeleton"]').first.wait_for(
                            state="detached", timeout=60_000
                        )
                        target = args.out / screenshot_name(app_page)
                        page.screenshot(path=str(target), full_page=True)
                        print(_display(target))
                    finally:
                        context.close()
            finally:
                browser.close()
    finally:
        stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
