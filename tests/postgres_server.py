"""A throwaway PostgreSQL server for the store tests, started from Debian's binaries.

``postgres_url`` (session-scoped) runs ``initdb`` into a temporary directory, starts the server
with ``pg_ctl`` listening only on a Unix socket in that directory (no TCP), creates a database
and yields its SQLAlchemy URL; the server is stopped and the directory removed at the end.
PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` user
Debian's package creates (or ``nobody``) through ``runuser``.

Missing binaries skip the tests locally with the install command; under ``CI=true`` they fail.
Import the fixture into a test module: ``from tests.postgres_server import postgres_url``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

DATABASE = "segment_studio_test"
SUPERUSER = "postgres"
INSTALL = "sudo apt-get install postgresql"  # `make test` does it when it can
MISSING_LOCAL = f"PostgreSQL tests need Debian's postgresql package: run `{INSTALL}`."
MISSING_CI = (
    "PostgreSQL is missing under CI: `make test` installs Debian's postgresql with apt-get when "
    "running as root or with passwordless sudo; otherwise install `postgresql` in the CI image."
)


@dataclass(frozen=True)
class PostgresServer:
    """A running server: its binaries, data and socket directory, port and the OS user."""

    bin_dir: Path
    root: Path
    port: int
    user: str | None  # the OS user the server runs as when we are root; None: ourselves

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{DATABASE}?host={self.root}&port={self.port}"


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb and pg_ctl, if any."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bin_dir in candidates:
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(server: PostgresServer, *args: str) -> None:
    command = [str(server.bin_dir / args[0]), *args[1:]]
    if server.user is not None:
        command = ["runuser", "-u", server.user, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def start_postgres(bin_dir: Path) -> PostgresServer:
    """initdb + pg_ctl start + createdb; the caller stops it with :func:`stop_postgres`."""
    user = _server_user()
    # not pytest's tmp_path: its parents are private to root, and the server user must reach it
    root = Path(tempfile.mkdtemp(prefix="segment-studio-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, root, _free_port(), user)
    _run(
        server, "initdb", "-D", str(server.data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"
    )
    options = f"-c listen_addresses='' -k {root} -p {server.port} -c fsync=off"
    log = str(root / "server.log")
    try:
        _run(server, "pg_ctl", "-D", str(server.data_dir), "-o", options, "-l", log, "-w", "start")
        _run(server, "createdb", "-h", str(root), "-p", str(server.port), "-U", SUPERUSER, DATABASE)
    except RuntimeError:
        stop_postgres(server)
        raise
    return server


def stop_postgres(server: PostgresServer) -> None:
    """Stop the server (fast shutdown) and remove its directory."""
    with contextlib.suppress(RuntimeError):  # never started, or already gone
        _run(server, "pg_ctl", "-D", str(server.data_dir), "-m", "fast", "-w", "stop")
    shutil.rmtree(server.root, ignore_errors=True)


def postgres_or_skip(bin_dir: Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """``bin_dir``, or skip the test (locally) / fail it (under ``CI=true``) when it is None."""
    if bin_dir is None:
        if environ.get("CI") == "true":
            pytest.fail(MISSING_CI, pytrace=False)
        pytest.skip(MISSING_LOCAL)
    return bin_dir


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh database on a PostgreSQL server started for this test run."""
    server = start_postgres(postgres_or_skip(postgres_bin_dir()))
    try:
        yield server.url
    finally:
        stop_postgres(server)
