"""Run ``python -m segmentation ...`` in the test process, or as a real process.

:func:`run_cli` calls the command line's ``main(argv)`` from the repository's folder and returns
what a process would: the exit code, stdout and stderr, without starting a new interpreter
(seconds per call on a busy machine). Keep one :func:`run_process` test per command for the
process boundary itself (``python -m``, ``sys.exit``, imports).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from segmentation.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    """``python -m segmentation *args`` run by ``main(argv)`` in this process."""
    argv, out, err = [str(a) for a in args], io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def run_process(*args: object) -> subprocess.CompletedProcess[str]:
    """``python -m segmentation *args`` as a new process."""
    return subprocess.run(
        [sys.executable, "-m", "segmentation", *(str(a) for a in args)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
