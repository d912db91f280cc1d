"""Where shared analyses with data are kept: encrypted snapshots in a SQL database.

The store speaks SQLAlchemy 2. By default it is an embedded SQLite file in the data directory
(``SEGMENT_STUDIO_DATA_DIR``, ``./.segment-studio-data`` when unset), so ``make run`` needs
nothing else; in production one setting, ``SEGMENT_STUDIO_DATABASE_URL`` (environment or
``.streamlit/secrets.toml``), points it at PostgreSQL.

The table ``snapshots`` holds, per snapshot, the random id, the ciphertext, creation and expiry
times, the size, the SHA-256 of the revoke secret and when it was revoked: never the key, never
plaintext. Expired and revoked snapshots lose their ciphertext; their row stays for
:data:`TOMBSTONE_DAYS` so that their link says "expired" or "revoked" rather than "unknown".

The UI's entry points are :func:`open_store`, :func:`share_snapshot`, :func:`open_snapshot`,
:func:`revoke_snapshot`, with :class:`~segmentation.sharing.rate_limits.RateLimiter` to limit
how often one session shares.

>>> import pandas as pd
>>> from segmentation.sharing.snapshots import Snapshot
>>> store = SnapshotStore(engine_for("sqlite://"))
>>> shared = share_snapshot(store, Snapshot(pd.DataFrame({"spend": [1.0]}), {"page": "map"}))
>>> open_snapshot(store, shared.link.token).state
{'page': 'map'}
>>> revoke_snapshot(store, shared.revoke.token)
True
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from segmentation.errors import (
    ExpiredSnapshotError,
    RevokedSnapshotError,
    SnapshotError,
    SnapshotLinkError,
    SnapshotStoreError,
    SnapshotTooLargeError,
    UnknownSnapshotError,
)
from segmentation.sharing.snapshots import (
    RevokeLink,
    Snapshot,
    SnapshotLink,
    new_revoke_secret,
    open_sealed,
    parse_link,
    parse_revoke_link,
    seal,
)

DATA_DIR_ENV = "SEGMENT_STUDIO_DATA_DIR"
DATABASE_URL_ENV = "SEGMENT_STUDIO_DATABASE_URL"
MAX_SNAPSHOT_MB_ENV = "SEGMENT_STUDIO_SNAPSHOT_MAX_MB"
MAX_STORAGE_MB_ENV = "SEGMENT_STUDIO_STORAGE_MAX_MB"
DEFAULT_DATA_DIR = ".segment-studio-data"
SQLITE_FILE = "snapshots.sqlite3"
MIN_DAYS, DEFAULT_DAYS, MAX_DAYS = 1, 30, 90
TOMBSTONE_DAYS = 90  # how long an expired or revoked link still says so, instead of "unknown"
MB = 1024 * 1024
MAX_ENGINES = 4

Clock = Callable[[], datetime]

metadata = sa.MetaData()
snapshots_table = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("ciphertext", sa.LargeBinary, nullable=True),  # NULL once expired or revoked
    sa.Column("created_at", sa.DateTime, nullable=False),  # naive UTC: SQLite keeps no zone
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),  # bytes of ciphertext kept (0 when gone)
    sa.Column("revoke_hash", sa.String(64), nullable=False),  # hex SHA-256 of the revoke secret
    sa.Column("revoked_at", sa.DateTime, nullable=True),
)


def utc_now() -> datetime:
    """The current time in UTC (the store's default clock)."""
    return datetime.now(UTC)


# --- configuration --------------------------------------------------------------------------


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory for the default SQLite file: ``SEGMENT_STUDIO_DATA_DIR`` or
    ``./.segment-studio-data`` (relative to the working directory)."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser().resolve()


def database_url(
    secrets: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The snapshot database's SQLAlchemy URL.

    The environment variable ``SEGMENT_STUDIO_DATABASE_URL`` wins, then the same key in
    ``secrets`` (the UI passes ``st.secrets``), then a SQLite file in :func:`data_dir`.
    ``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver
    (``postgresql+psycopg://``).

    >>> database_url({"SEGMENT_STUDIO_DATABASE_URL": "postgres://u:p@db/app"}, environ={})
    'postgresql+psycopg://u:p@db/app'
    """
    environ = os.environ if environ is None else environ
    url = environ.get(DATABASE_URL_ENV) or _secret(secrets, DATABASE_URL_ENV)
    if not url:
        return f"sqlite:///{data_dir(environ) / SQLITE_FILE}"
    url = str(url).strip()
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _secret(secrets: Mapping[str, Any] | None, name: str) -> Any:
    if secrets is None:
        return None
    try:
        return secrets.get(name)
    except FileNotFoundError:  # st.secrets when the app has no secrets.toml
        return None


def _safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


@functools.lru_cache(maxsize=MAX_ENGINES)
def engine_for(url: str) -> Engine:
    """One SQLAlchemy engine (with its connection pool) per URL, shared by every session;
    at most :data:`MAX_ENGINES` are kept. Creates the SQLite file's directory."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url, parsed.database)
        return sa.create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as err:
        raise SnapshotStoreError(
            f"{DATABASE_URL_ENV}={_safe_url(url)!r} is not a database URL this app can use "
            f"({err}). Use e.g. postgresql+psycopg://user:password@host/database, or unset it "
            "to keep snapshots in a SQLite file."
        ) from None


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SnapshotStoreError(
                f"The data directory {Path(database).parent} cannot be created ({err}). Set "
                f"{DATA_DIR_ENV} to a writable directory."
            ) from None
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 10000")  # sessions share one file: wait, not fail
        cursor.execute("PRAGMA secure_delete = ON")  # a revoked ciphertext is overwritten
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not wait for a writer
        cursor.close()

    return engine


@dataclass(frozen=True)
class StoreLimits:
    """How much the store keeps.

    Attributes
    ----------
    max_snapshot_bytes : largest ciphertext one snapshot may have.
    max_total_bytes : ciphertext bytes kept for all live snapshots together.
    """

    max_snapshot_bytes: int = 50 * MB
    max_total_bytes: int = 2048 * MB

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StoreLimits:
        """Limits from ``SEGMENT_STUDIO_SNAPSHOT_MAX_MB`` and ``SEGMENT_STUDIO_STORAGE_MAX_MB``
        (defaults 50 and 2048 MB)."""
        environ = os.environ if environ is None else environ
        return cls(
            max_snapshot_bytes=_mb(environ, MAX_SNAPSHOT_MB_ENV, cls.max_snapshot_bytes),
            max_total_bytes=_mb(environ, MAX_STORAGE_MB_ENV, cls.max_total_bytes),
        )


def _mb(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise SnapshotStoreError(
            f"{name}={text!r} must be a positive number of megabytes. Fix or unset it."
        )
    return int(value * MB)


# --- the store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot just stored: its revoke secret exists nowhere else (show it once)."""

    snapshot_id: str
    revoke_secret: str
    created_at: datetime
    expires_at: datetime
    size: int

    def __repr__(self) -> str:
        return (
            f"StoredSnapshot({self.snapshot_id!r}, expires_at={self.expires_at}, size={self.size})"
        )


@dataclass(frozen=True)
class SnapshotRecord:
    """A live snapshot as the store holds it."""

    snapshot_id: str
    ciphertext: bytes
    created_at: datetime
    expires_at: datetime
    size: int

    def __repr__(self) -> str:
        return (
            f"SnapshotRecord({self.snapshot_id!r}, expires_at={self.expires_at}, size={self.size})"
        )


@dataclass(frozen=True)
class StoreUsage:
    """How full the store is."""

    n_snapshots: int
    stored_bytes: int
    max_total_bytes: int


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def revoke_hash(secret: str) -> str:
    """Hex SHA-256 of a revoke secret: what the store keeps instead of the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_days(days: int) -> int:
    """``days`` if it is a lifetime the store accepts (1–90), else ``SnapshotError``."""
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise SnapshotError(
            f"days={days!r} must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}. Choose "
            f"how long the link should work within that range (default {DEFAULT_DAYS})."
        )
    return days


class SnapshotStore:
    """Encrypted snapshots in a SQL database (SQLite, PostgreSQL, ...).

    Parameters
    ----------
    engine : a SQLAlchemy engine (:func:`engine_for`); the table is created if missing.
    limits : per-snapshot and total size limits.
    clock : returns the current time (aware, UTC); tests pass a controllable one.
    """

    def __init__(
        self, engine: Engine, *, limits: StoreLimits | None = None, clock: Clock = utc_now
    ) -> None:
        self.engine = engine
        self.limits = StoreLimits() if limits is None else limits
        self.clock = clock
        with self._connection("prepare") as connection:
            metadata.create_all(connection)

    def _connection(self, doing: str) -> AbstractContextManager[sa.Connection]:
        return _transaction(self.engine, doing)

    def _now(self) -> datetime:
        return _naive(self.clock())

    def put(
        self, snapshot_id: str, ciphertext: bytes, *, days: int = DEFAULT_DAYS
    ) -> StoredSnapshot:
        """Store a ciphertext for ``days`` days and return its one-time revoke secret.

        Expired snapshots are removed first; raises ``SnapshotTooLargeError`` when the snapshot
        is over the per-snapshot limit or still does not fit in the total.
        """
        check_days(days)
        size = len(ciphertext)
        self._check_size(size)
        now = self._now()
        secret = new_revoke_secret()
        with self._connection("store the snapshot") as connection:
            self._purge(connection, now)
            self._check_room(connection, size)
            connection.execute(
                sa.insert(snapshots_table).values(
                    id=snapshot_id,
                    ciphertext=ciphertext,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                    size=size,
                    revoke_hash=revoke_hash(secret),
                    revoked_at=None,
                )
            )
        return StoredSnapshot(
            snapshot_id, secret, _aware(now), _aware(now + timedelta(days=days)), size
        )

    def _check_size(self, size: int) -> None:
        limit = self.limits.max_snapshot_bytes
        if size > limit:
            raise SnapshotTooLargeError(
                f"This analysis with its data takes {size / MB:.1f} MB encrypted; a shared "
                f"analysis may take at most {limit / MB:.1f} MB. Filter the customers or drop "
                "columns you do not need, or use 'Copy link' to share the settings only."
            )

    def _check_room(self, connection: sa.Connection, size: int) -> None:
        stored = self._stored_bytes(connection)
        limit = self.limits.max_total_bytes
        if stored + size > limit:
            raise SnapshotTooLargeError(
                f"The shared-analysis store is full: {stored / MB:.1f} MB of {limit / MB:.1f} MB "
                f"are used and this analysis needs {size / MB:.1f} MB more. Try again when older "
                "links have expired, use 'Copy link' to share the settings only, or ask the "
                f"administrator to raise {MAX_STORAGE_MB_ENV}."
            )

    @staticmethod
    def _stored_bytes(connection: sa.Connection) -> int:
        total = connection.execute(sa.select(sa.func.sum(snapshots_table.c.size))).scalar()
        return int(total or 0)

    def get(self, snapshot_id: str) -> SnapshotRecord:
        """The live snapshot with this id; ``UnknownSnapshotError``, ``ExpiredSnapshotError``
        or ``RevokedSnapshotError`` otherwise."""
        with self._connection("open the shared analysis") as connection:
            row = connection.execute(
                sa.select(snapshots_table).where(snapshots_table.c.id == snapshot_id)
            ).one_or_none()
        if row is None:
            raise UnknownSnapshotError(
                "No shared analysis has this link: it was mistyped or cut short, or it expired "
                f"or was revoked more than {TOMBSTONE_DAYS} days ago. Copy the whole link again, "
                "or ask the sender to share the analysis again."
            )
        if row.revoked_at is not None:
            raise RevokedSnapshotError(
                f"The sender withdrew this shared analysis on {row.revoked_at:%d %B %Y}, and its "
                "data was deleted. Ask the sender to share it again if you still need it."
            )
        if row.expires_at <= self._now() or row.ciphertext is None:
            raise ExpiredSnapshotError(
                f"This shared analysis expired on {row.expires_at:%d %B %Y} (links live 1 to "
                f"{MAX_DAYS} days, as the sender chose), and its data was deleted. Ask the sender "
                "to share it again."
            )
        return SnapshotRecord(
            row.id, row.ciphertext, _aware(row.created_at), _aware(row.expires_at), row.size
        )

    def revoke(self, snapshot_id: str, revoke_secret: str) -> bool:
        """Delete a snapshot's ciphertext with its revoke secret. True when it was revoked now,
        False when it had been revoked already or had expired; ``SnapshotLinkError`` when the
        secret does not match, ``UnknownSnapshotError`` when there is no such snapshot."""
        presented = revoke_hash(revoke_secret)
        with self._connection("revoke the shared analysis") as connection:
            row = connection.execute(
                sa.select(
                    snapshots_table.c.revoke_hash,
                    snapshots_table.c.revoked_at,
                    snapshots_table.c.ciphertext.is_(None).label("gone"),
                ).where(snapshots_table.c.id == snapshot_id)
            ).one_or_none()
            if row is None:
                raise UnknownSnapshotError(
                    "No shared analysis has this revoke link: it was already removed, or the "
                    "link was mistyped. Copy the whole revoke link again."
                )
            if not hmac.compare_digest(row.revoke_hash, presented):
                raise SnapshotLinkError(
                    "This revoke link does not match its shared analysis (it was changed or cut "
                    "short). Copy the whole revoke link again from where you saved it."
                )
            if row.revoked_at is not None or row.gone:
                return False
            connection.execute(
                sa.update(snapshots_table)
                .where(snapshots_table.c.id == snapshot_id)
                .values(ciphertext=None, size=0, revoked_at=self._now())
            )
        return True

    def remove_expired(self) -> int:
        """Delete the ciphertext of expired snapshots (and old tombstones); how many were
        expired."""
        with self._connection("remove expired snapshots") as connection:
            return self._purge(connection, self._now())

    @staticmethod
    def _purge(connection: sa.Connection, now: datetime) -> int:
        table = snapshots_table
        forgotten = now - timedelta(days=TOMBSTONE_DAYS)
        connection.execute(sa.delete(table).where(table.c.expires_at <= forgotten))
        expired = connection.execute(
            sa.update(table)
            .where(table.c.expires_at <= now, table.c.ciphertext.is_not(None))
            .values(ciphertext=None, size=0)
        )
        return expired.rowcount

    def usage(self) -> StoreUsage:
        """Live snapshots and their bytes, against the total limit."""
        with self._connection("measure the store") as connection:
            n_live = connection.execute(
                sa.select(sa.func.count()).where(
                    snapshots_table.c.ciphertext.is_not(None),
                    snapshots_table.c.expires_at > self._now(),
                )
            ).scalar()
            stored = self._stored_bytes(connection)
        return StoreUsage(int(n_live or 0), stored, self.limits.max_total_bytes)


@contextmanager
def _transaction(engine: Engine, doing: str) -> Iterator[sa.Connection]:
    """``engine.begin()`` that turns database failures into ``SnapshotStoreError``."""
    try:
        with engine.begin() as connection:
            yield connection
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", None) or err).splitlines()[0]
        raise SnapshotStoreError(
            f"The app cannot {doing}: the snapshot database at {_safe_url(str(engine.url))} "
            f"failed ({reason}). Try again in a moment; if it persists, check "
            f"{DATABASE_URL_ENV} or the data directory."
        ) from None


# --- what the UI calls ----------------------------------------------------------------------


def open_store(
    secrets: Mapping[str, Any] | None = None,
    *,
    url: str | None = None,
    limits: StoreLimits | None = None,
    clock: Clock = utc_now,
) -> SnapshotStore:
    """The configured store: ``url`` or :func:`database_url` (env, then ``secrets``, then the
    SQLite file), limits from the environment unless given."""
    url = database_url(secrets) if url is None else url
    return SnapshotStore(
        engine_for(url), limits=StoreLimits.from_env() if limits is None else limits, clock=clock
    )


@dataclass(frozen=True)
class SharedSnapshot:
    """A shared analysis: the link to send, the revoke link to show once, when it expires."""

    link: SnapshotLink
    revoke: RevokeLink
    created_at: datetime
    expires_at: datetime
    size: int


def share_snapshot(
    store: SnapshotStore, snapshot: Snapshot, *, days: int = DEFAULT_DAYS
) -> SharedSnapshot:
    """Encrypt a snapshot under a new key, store the ciphertext, return the links.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation.sharing.snapshots import Snapshot
    >>> store = SnapshotStore(engine_for("sqlite://"))
    >>> shared = share_snapshot(store, Snapshot(pd.DataFrame({"x": [1]})), days=7)
    >>> (shared.expires_at - shared.created_at).days, shared.link.query.startswith("data=d1.")
    (7, True)
    """
    check_days(days)
    sealed = seal(snapshot)
    stored = store.put(sealed.snapshot_id, sealed.ciphertext, days=days)
    return SharedSnapshot(
        link=SnapshotLink(sealed.snapshot_id, sealed.key),
        revoke=RevokeLink(sealed.snapshot_id, stored.revoke_secret),
        created_at=stored.created_at,
        expires_at=stored.expires_at,
        size=stored.size,
    )


def open_snapshot(store: SnapshotStore, link: SnapshotLink | str) -> Snapshot:
    """The analysis a data link opens, decrypted in memory. ``link`` is a :class:`SnapshotLink`,
    a token, a ``data=...`` query string or a whole URL. Every failure is a ``SnapshotError``
    subclass: malformed, unknown, expired, revoked or tampered link."""
    link = parse_link(link) if isinstance(link, str) else link
    record = store.get(link.snapshot_id)
    return open_sealed(record.ciphertext, link.key, link.snapshot_id)


def revoke_snapshot(store: SnapshotStore, revoke: RevokeLink | str) -> bool:
    """Withdraw a shared analysis with its revoke link (token, query string or URL); True when
    it was revoked now, False when it had been revoked already or had expired."""
    revoke = parse_revoke_link(revoke) if isinstance(revoke, str) else revoke
    return store.revoke(revoke.snapshot_id, revoke.secret)
