"""Architecture rules, enforced statically with ``ast``.

(a) ``segmentation/`` is pure Python: it never imports streamlit.
(b) ``pages/`` only render: no sklearn, umap or scipy there (numpy/pandas are fine);
    the number crunching lives in ``segmentation/``.
(c) every ``pages/*.py`` is registered in app.py as ``st.Page("pages/<file>")`` and every
    registered page exists.
(d) app.py is a thin router: imports, ``st.set_page_config(...)`` and the navigation.
(e) ``segmentation/`` is grouped by stage of the journey (:data:`STAGES`), and imports only point
    down the journey: a stage may import an earlier stage or ``segmentation.errors``, never a
    later one nor the public front ``segmentation`` itself.
(f) no module in ``segmentation/`` or ``ui/`` is longer than :data:`MAX_MODULE_LINES` lines, and
    the ``ui/`` modules do not import each other in a circle.

The checks take the repository root as an argument so that the self-tests at the end can
run them on small fake repositories; empty ``pages/`` or ``segmentation/`` folders pass.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.browser.screenshots import pages_from_app

REPO_ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN_IN_SEGMENTATION = frozenset({"streamlit"})
FORBIDDEN_IN_PAGES = frozenset({"sklearn", "umap", "scipy"})
# streamlit functions app.py may call besides the navigation.
ALLOWED_ST_CALLS_IN_APP = frozenset({"set_page_config"})
# The stages of the journey, in order: data → predictions → segments → map → personas/compare →
# target → share/monitor; charts draw any stage's values.
STAGES = (
    "data", "predicting", "segmenting", "mapping", "describing", "targeting", "sharing", "charts"
)  # fmt: skip
# Modules at the top of segmentation/: anyone may import errors; __init__ and __main__ are fronts.
TOP_LEVEL = frozenset({"__init__.py", "__main__.py", "errors.py"})
MAX_MODULE_LINES = 600


# --- detectors -------------------------------------------------------------------------


def imported_modules(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, dotted module) for every absolute import, including ``importlib.import_module``
    / ``__import__`` calls with a literal name. Relative imports are ignored."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            arg = node.args[0]
            if (
                name in {"import_module", "__import__"}
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                found.append((node.lineno, arg.value))
    return found


def forbidden_imports(source: str, forbidden: frozenset[str], filename: str = "<string>"):
    """``["line 3: sklearn.cluster", ...]`` for imports whose top-level package is forbidden."""
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(source, filename)
        if module.split(".")[0] in forbidden
    ]


def python_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*.py") if ".venv" not in p.parts)


def import_violations(root: Path, folder: str, forbidden: frozenset[str]) -> list[str]:
    problems = []
    for path in python_files(root / folder):
        rel = path.relative_to(root).as_posix()
        try:
            hits = forbidden_imports(path.read_text(encoding="utf-8"), forbidden, rel)
        except SyntaxError as exc:
            problems.append(f"{rel}: cannot parse ({exc})")
            continue
        problems.extend(f"{rel} {hit}" for hit in hits)
    return problems


def page_registration_problems(root: Path) -> list[str]:
    page_files = {
        p.relative_to(root).as_posix()
        for p in python_files(root / "pages")
        if p.name != "__init__.py"
    }
    app = root / "app.py"
    if not app.is_file():
        return [f"{f} exists but there is no app.py to register it" for f in sorted(page_files)]
    registered = {Path(page.script).as_posix().removeprefix("./") for page in pages_from_app(app)}
    problems = [
        f'{f} is not registered in app.py as st.Page("{f}")'
        for f in sorted(page_files - registered)
    ]
    problems += [
        f'app.py registers st.Page("{f}") but the file does not exist'
        for f in sorted(registered)
        if not (root / f).is_file()
    ]
    return problems


def _segmentation_imports(source: str, filename: str) -> list[tuple[int, str]]:
    """Absolute ``segmentation`` imports, with ``from segmentation import x`` as the front."""
    return [
        (line, module)
        for line, module in imported_modules(source, filename)
        if module.split(".")[0] == "segmentation"
    ]


def stage_problems(root: Path) -> list[str]:
    """Modules outside a stage, and imports that point up the journey."""
    package = root / "segmentation"
    problems = []
    for path in python_files(package):
        rel = path.relative_to(root).as_posix()
        parts = path.relative_to(package).parts
        if len(parts) == 1:
            if parts[0] not in TOP_LEVEL:
                problems.append(f"{rel} belongs in one of the stages: {', '.join(STAGES)}")
            if parts[0] != "errors.py":
                continue
            stage_index = -1  # errors.py imports no stage
        elif parts[0] not in STAGES:
            problems.append(f"{rel}: segmentation/{parts[0]}/ is not a stage ({', '.join(STAGES)})")
            continue
        else:
            stage_index = STAGES.index(parts[0])
        for line, module in _segmentation_imports(path.read_text(encoding="utf-8"), rel):
            target = module.split(".")[1] if "." in module else None
            if target is None:
                problems.append(f"{rel} line {line}: imports the public front `segmentation`")
            elif target in STAGES and STAGES.index(target) > stage_index:
                problems.append(f"{rel} line {line}: {module} is a later stage")
    return problems


def long_modules(root: Path, folders: tuple[str, ...] = ("segmentation", "ui")) -> list[str]:
    problems = []
    for folder in folders:
        for path in python_files(root / folder):
            n_lines = len(path.read_text(encoding="utf-8").splitlines())
            if n_lines > MAX_MODULE_LINES:
                rel = path.relative_to(root).as_posix()
                problems.append(f"{rel} has {n_lines} lines (at most {MAX_MODULE_LINES})")
    return problems


def import_cycles(root: Path, folder: str) -> list[str]:
    """Circles of imports among the modules of one flat folder (imports inside functions too)."""
    modules = {p.stem for p in python_files(root / folder) if p.parent == root / folder}
    graph: dict[str, set[str]] = {}
    for stem in modules:
        path = root / folder / f"{stem}.py"
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == folder:
                deps |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{folder}."):
                deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                inside = [a.name for a in node.names if a.name.startswith(f"{folder}.")]
                deps |= {name.split(".")[1] for name in inside}
        graph[stem] = (deps & modules) - {stem, "__init__"}
    cycles, done = [], set()

    def visit(stem: str, path: list[str]) -> None:
        for dep in sorted(graph[stem]):
            if dep in path:
                cycle = [*path[path.index(dep) :], dep]
                cycles.append(" → ".join(f"{folder}.{m}" for m in cycle))
            elif dep not in done:
                visit(dep, [*path, dep])
        done.add(stem)

    for stem in sorted(graph):
        if stem not in done:
            visit(stem, [stem])
    return cycles


def _streamlit_aliases(tree: ast.Module) -> set[str]:
    aliases = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "streamlit"}
    return aliases or {"st"}


def _st_function(node: ast.AST, st: set[str]) -> str | None:
    """``"navigation"`` for ``st.navigation(...)``; None for anything else."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in st
    ):
        return node.func.attr
    return None


def _is_navigation_structure(node: ast.AST, st: set[str]) -> bool:
    """Literals, lists/tuples/dicts of them and st.Page(...) calls: what st.navigation takes."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_is_navigation_structure(e, st) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _is_navigation_structure(k, st) and _is_navigation_structure(v, st)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    if _st_function(node, st) == "Page":
        args = [*node.args, *(kw.value for kw in node.keywords)]
        return all(isinstance(a, (ast.Constant, ast.Name, ast.Attribute)) for a in args)
    return False


def app_problems(source: str) -> list[str]:
    """Top-level statements of app.py that are not imports / page config / navigation."""
    tree = ast.parse(source, filename="app.py")
    st = _streamlit_aliases(tree)
    nav_vars: set[str] = set()
    structure_vars: set[str] = set()
    problems: list[str] = []
    navigation_calls = 0

    def is_navigation_call(node: ast.AST) -> bool:
        return _st_function(node, st) == "navigation" and all(
            _is_navigation_structure(a, st) or (isinstance(a, ast.Name) and a.id in structure_vars)
            for a in [*node.args, *(kw.value for kw in node.keywords)]
        )

    for index, stmt in enumerate(tree.body):
        where = f"app.py line {stmt.lineno}"
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if (
            index == 0
            and isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            continue  # module docstring
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) == len(targets):
                if is_navigation_call(stmt.value):
                    navigation_calls += 1
                    nav_vars.update(names)
                    continue
                if _is_navigation_structure(stmt.value, st):
                    structure_vars.update(names)
                    continue
            problems.append(f"{where}: only `... = st.navigation(...)` may be assigned")
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            if _st_function(call, st) in ALLOWED_ST_CALLS_IN_APP:
                continue
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "run" and not call.args:
                if isinstance(func.value, ast.Name) and func.value.id in nav_vars:
                    continue  # pg.run()
                if is_navigation_call(func.value):
                    navigation_calls += 1
                    continue  # st.navigation([...]).run()
            problems.append(f"{where}: unexpected call `{ast.unparse(call)[:60]}`")
            continue
        problems.append(f"{where}: unexpected {type(stmt).__name__} statement")

    if navigation_calls != 1:
        problems.append(f"app.py must call st.navigation(...) once (found {navigation_calls})")
    return problems


# --- the rules, on this repository ----------------------------------------------------


def test_segmentation_does_not_import_streamlit():
    problems = import_violations(REPO_ROOT, "segmentation", FORBIDDEN_IN_SEGMENTATION)
    assert not problems, "segmentation/ must not import streamlit:\n" + "\n".join(problems)


def test_pages_do_not_import_modelling_libraries():
    problems = import_violations(REPO_ROOT, "pages", FORBIDDEN_IN_PAGES)
    assert not problems, (
        "pages/ must not import sklearn, umap or scipy (use segmentation/):\n" + "\n".join(problems)
    )


def test_every_page_is_registered_in_app():
    problems = page_registration_problems(REPO_ROOT)
    assert not problems, "\n".join(problems)


def test_app_is_a_thin_router():
    app = REPO_ROOT / "app.py"
    if not app.is_file():
        pytest.skip("app.py does not exist yet")
    problems = app_problems(app.read_text(encoding="utf-8"))
    assert not problems, (
        "app.py may only contain imports, st.set_page_config(...) and the navigation:\n"
        + "\n".join(problems)
    )


def test_segmentation_is_grouped_by_stage_and_imports_point_down_the_journey():
    problems = stage_problems(REPO_ROOT)
    assert not problems, "\n".join(problems)


def test_stages_say_what_they_answer():
    for stage in STAGES:
        init = REPO_ROOT / "segmentation" / stage / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        first_line = docstring.splitlines()[0] if docstring else ""
        assert ': "' in first_line or stage == "charts", f"segmentation/{stage}: {first_line!r}"


def test_modules_stay_readable_at_once():
    problems = long_modules(REPO_ROOT)
    assert not problems, "split these along their seams:\n" + "\n".join(problems)


def test_ui_modules_do_not_import_each_other_in_a_circle():
    cycles = import_cycles(REPO_ROOT, "ui")
    assert not cycles, "\n".join(cycles)


# --- self-tests: the detectors catch what they should ---------------------------------


@pytest.mark.parametrize(
    ("source", "forbidden", "caught"),
    [
        ("import streamlit as st", FORBIDDEN_IN_SEGMENTATION, True),
        ("import streamlit", FORBIDDEN_IN_SEGMENTATION, True),
        ("from streamlit import x", FORBIDDEN_IN_SEGMENTATION, True),
        ("import streamlit.components.v1 as components", FORBIDDEN_IN_SEGMENTATION, True),
        ("def f():\n    import streamlit\n", FORBIDDEN_IN_SEGMENTATION, True),
        ("import importlib\nimportlib.import_module('streamlit')", FORBIDDEN_IN_SEGMENTATION, True),
        ("import os, streamlit", FORBIDDEN_IN_SEGMENTATION, True),
        ("import streamlit_extras", FORBIDDEN_IN_SEGMENTATION, False),
        ("from . import streamlit", FORBIDDEN_IN_SEGMENTATION, False),
        ("x = 'import streamlit'", FORBIDDEN_IN_SEGMENTATION, False),
        ("import pandas as pd", FORBIDDEN_IN_SEGMENTATION, False),
        ("import sklearn.cluster", FORBIDDEN_IN_PAGES, True),
        ("from sklearn.cluster import KMeans", FORBIDDEN_IN_PAGES, True),
        ("import umap", FORBIDDEN_IN_PAGES, True),
        ("import umap.umap_ as umap", FORBIDDEN_IN_PAGES, True),
        ("from scipy import stats", FORBIDDEN_IN_PAGES, True),
        ("import scipy.cluster.hierarchy as sch", FORBIDDEN_IN_PAGES, True),
        ("import numpy as np", FORBIDDEN_IN_PAGES, False),
        ("import streamlit as st", FORBIDDEN_IN_PAGES, False),
        ("from segmentation import clustering", FORBIDDEN_IN_PAGES, False),
        ("import sklearnish", FORBIDDEN_IN_PAGES, False),
    ],
)
def test_import_detector(source, forbidden, caught):
    assert bool(forbidden_imports(source, forbidden)) is caught


def _fake_repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


GOOD_APP = '''"""Segment Studio."""
import streamlit as st

st.set_page_config(page_title="Segment Studio", layout="wide")
pg = st.navigation([st.Page("pages/1_data.py", title="Data"), st.Page("pages/2_rfm.py")])
pg.run()
'''


def test_rules_pass_on_a_clean_fake_repo(tmp_path):
    root = _fake_repo(
        tmp_path,
        {
            "app.py": GOOD_APP,
            "pages/1_data.py": "import numpy as np\nimport streamlit as st\n",
            "pages/2_rfm.py": "from segmentation import rfm\n",
            "segmentation/rfm.py": "import pandas as pd\n",
        },
    )
    assert import_violations(root, "segmentation", FORBIDDEN_IN_SEGMENTATION) == []
    assert import_violations(root, "pages", FORBIDDEN_IN_PAGES) == []
    assert page_registration_problems(root) == []
    assert app_problems(GOOD_APP) == []


def test_rules_pass_on_empty_folders(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "segmentation").mkdir()
    assert import_violations(tmp_path, "segmentation", FORBIDDEN_IN_SEGMENTATION) == []
    assert import_violations(tmp_path, "pages", FORBIDDEN_IN_PAGES) == []
    assert page_registration_problems(tmp_path) == []


def test_rules_catch_violations_in_a_fake_repo(tmp_path):
    root = _fake_repo(
        tmp_path,
        {
            "app.py": GOOD_APP.replace('st.Page("pages/2_rfm.py")', 'st.Page("pages/9_gone.py")'),
            "pages/1_data.py": "from sklearn.cluster import KMeans\n",
            "pages/2_rfm.py": "",
            "segmentation/sub/plots.py": "import streamlit as st\n",
        },
    )
    assert import_violations(root, "segmentation", FORBIDDEN_IN_SEGMENTATION) == [
        "segmentation/sub/plots.py line 1: streamlit"
    ]
    assert import_violations(root, "pages", FORBIDDEN_IN_PAGES) == [
        "pages/1_data.py line 1: sklearn.cluster"
    ]
    problems = page_registration_problems(root)
    assert any("pages/2_rfm.py is not registered" in p for p in problems)
    assert any('st.Page("pages/9_gone.py") but the file does not exist' in p for p in problems)


def test_pages_without_app_are_a_violation(tmp_path):
    root = _fake_repo(tmp_path, {"pages/1_data.py": ""})
    assert page_registration_problems(root) == [
        "pages/1_data.py exists but there is no app.py to register it"
    ]


@pytest.mark.parametrize(
    "source",
    [
        GOOD_APP,
        'import streamlit as st\nst.navigation([st.Page("pages/a.py")]).run()\n',
        "import streamlit as st\n"
        'pages = {"Analyse": [st.Page("pages/a.py", icon=":material/home:")]}\n'
        "st.navigation(pages, position='sidebar').run()\n",
        "from __future__ import annotations\nimport streamlit as st\n"
        'nav = st.navigation([st.Page("pages/a.py", default=True)])\nnav.run()\n',
    ],
)
def test_app_checker_accepts_thin_routers(source):
    assert app_problems(source) == []


@pytest.mark.parametrize(
    "source",
    [
        GOOD_APP + 'st.title("Hello")\n',
        GOOD_APP + "def main():\n    pass\n",
        GOOD_APP + "if True:\n    pass\n",
        GOOD_APP.replace("pg.run()", "import pandas as pd\ndf = pd.read_csv('x.csv')\npg.run()"),
        "import streamlit as st\nst.set_page_config(layout='wide')\n",  # no navigation
        GOOD_APP + 'st.navigation([st.Page("pages/b.py")]).run()\n',  # two navigations
        "import streamlit as st\nst.navigation([st.Page(load_pages())]).run()\n",
    ],
)
def test_app_checker_rejects_logic(source):
    assert app_problems(source) != []


def test_stage_rules_catch_modules_and_imports_in_the_wrong_place(tmp_path):
    root = _fake_repo(
        tmp_path,
        {
            "segmentation/__init__.py": "from segmentation.data.loading import load\n",
            "segmentation/errors.py": "",
            "segmentation/loose.py": "",
            "segmentation/misc/thing.py": "",
            "segmentation/data/loading.py": "from segmentation.errors import E\n"
            "from segmentation.segmenting.rules import R\n",
            "segmentation/segmenting/rules.py": "from segmentation.data.loading import load\n"
            "from segmentation import load_table\n",
            "segmentation/charts/map.py": "from segmentation.sharing.projects import P\n",
        },
    )
    assert stage_problems(root) == [
        "segmentation/data/loading.py line 2: segmentation.segmenting.rules is a later stage",
        "segmentation/loose.py belongs in one of the stages: " + ", ".join(STAGES),
        "segmentation/misc/thing.py: segmentation/misc/ is not a stage (" + ", ".join(STAGES) + ")",
        "segmentation/segmenting/rules.py line 2: imports the public front `segmentation`",
    ]


def test_cycle_and_length_detectors(tmp_path):
    root = _fake_repo(
        tmp_path,
        {
            "ui/a.py": "from ui import b\n",
            "ui/b.py": "def f():\n    from ui.c import x\n",
            "ui/c.py": "import ui.a\n",
            "ui/d.py": "from ui import a\n" + "x = 1\n" * MAX_MODULE_LINES,
        },
    )
    assert import_cycles(root, "ui") == ["ui.a → ui.b → ui.c → ui.a"]
    expected = f"ui/d.py has {MAX_MODULE_LINES + 1} lines (at most {MAX_MODULE_LINES})"
    assert long_modules(root) == [expected]
