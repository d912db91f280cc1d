"""Start and stop a real ``streamlit run app.py`` server for browser tests and screenshots.

Used by the ``streamlit_server`` fixture in ``tests/conftest.py`` and by
``tests/browser/screenshots.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 90.0

# Flags for Debian's chromium. Without the background-networking ones, chromium
# keeps retrying connections to Google services on a machine without network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class ServerStartError(RuntimeError):
    """The streamlit server did not become healthy; the message holds the log's tail."""


@dataclass
class StreamlitServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        return tail(self.log_path, lines)


def chromium_path() -> str | None:
    """Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


# Never route localhost health checks through an HTTP(S)_PROXY from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def is_healthy(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with _OPENER.open(f"{base_url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_server(
    app: str = "app.py",
    *,
    cwd: Path = REPO_ROOT,
    port: int | None = None,
    log_path: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    extra_args: tuple[str, ...] = (),
) -> StreamlitServer:
    """Start ``streamlit run <app>`` headless on 127.0.0.1 and wait until it is healthy.

    Raises ServerStartError (with the tail of the server log) when the process exits
    or does not answer ``/_stcore/health`` with "ok" within ``timeout`` seconds.
    """
    port = port or free_port()
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="streamlit-server-", suffix=".log")
        os.close(fd)
        log_path = Path(name)
    cmd = [
        sys.executable, "-m", "streamlit", "run", app,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", HOST,
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    server = StreamlitServer(process=process, port=port, log_path=log_path)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"streamlit exited with code {process.returncode} before becoming healthy.\n"
                f"--- {log_path} (tail) ---\n{server.log_tail()}"
            )
        if is_healthy(server.url):
            return server
        time.sleep(0.25)

    stop_server(server)
    raise ServerStartError(
        f"streamlit did not answer {server.url}/_stcore/health within {timeout:.0f} s.\n"
        f"--- {log_path} (tail) ---\n{server.log_tail()}"
    )


def stop_server(server: StreamlitServer, timeout: float = 10.0) -> None:
    """Terminate the server; kill it when it does not exit within ``timeout`` seconds."""
    process = server.process
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
