"""Sharing an analysis with its data: sealing, links, the store (SQLite and PostgreSQL), limits.

The store tests run twice: on a SQLite file and on a real PostgreSQL server that the suite starts
(:mod:`tests.postgres_server`; skipped locally without Debian's postgresql, failed under CI).
"""

from __future__ import annotations

import hashlib
import logging
import re
import string
import struct
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.errors import (
    ExpiredSnapshotError,
    RevokedSnapshotError,
    SegmentationError,
    SnapshotError,
    SnapshotLinkError,
    SnapshotRateLimitError,
    SnapshotStoreError,
    SnapshotTooLargeError,
    TamperedSnapshotError,
    UnknownSnapshotError,
)
from segmentation.sharing.rate_limits import RateLimiter
from segmentation.sharing.snapshot_store import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    MB,
    SnapshotStore,
    StoreLimits,
    data_dir,
    database_url,
    engine_for,
    open_snapshot,
    open_store,
    revoke_hash,
    revoke_snapshot,
    share_snapshot,
    snapshots_table,
)
from segmentation.sharing.snapshots import (
    KEY_BYTES,
    RevokeLink,
    Snapshot,
    SnapshotLink,
    link_from_query,
    new_snapshot_id,
    open_sealed,
    parse_link,
    parse_revoke_link,
    seal,
)
from tests.postgres_server import (
    MISSING_CI,
    MISSING_LOCAL,
    postgres_or_skip,
)

START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def customers_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": ["ada.lovelace@example.org", "grace.hopper@example.net"],
            "total_spend": [987654.321, 12.5],
            "segment": pd.Categorical(["Loyal", "New"]),
        },
        index=pd.Index(["CUST-7731-XQ", "CUST-0042-ZZ"], name="customer_id"),
    )


def analysis() -> Snapshot:
    return Snapshot(
        customers_table(),
        {"page": "personas", "names": {"0": "Big spenders"}, "selections": [["CUST-7731-XQ"]]},
    )


def assert_same(opened: Snapshot, expected: Snapshot) -> None:
    pd.testing.assert_frame_equal(opened.customers, expected.customers)
    assert opened.state == expected.state


# --- the store on both databases ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """An engine on an empty ``snapshots`` table: a SQLite file, or the test PostgreSQL."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'snapshots.sqlite3'}")
        yield engine
        engine.dispose()
        return
    engine = engine_for(request.getfixturevalue("postgres_url"))
    snapshots_table.drop(engine, checkfirst=True)
    yield engine


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(engine, clock):
    return SnapshotStore(engine, clock=clock)


def raw_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(snapshots_table))]


# --- round trip -----------------------------------------------------------------------------

_ids = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=8)
_COLUMN_KINDS = ("int", "float", "text", "bool", "date", "category", "int_category")


@st.composite
def customer_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 6))
    ids = draw(st.lists(_ids, min_size=n, max_size=n, unique=True))
    kinds = draw(st.lists(st.sampled_from(_COLUMN_KINDS), min_size=1, max_size=5))
    columns = {}
    for i, kind in enumerate(kinds):
        columns[f"{kind}_{i}"] = draw(_column(kind, n))
    table = pd.DataFrame(columns)  # positional: the series share a RangeIndex
    table.index = pd.Index(ids, dtype="str", name="customer_id")
    return table


def _column(kind: str, n: int):
    def values(strategy):
        return st.lists(strategy, min_size=n, max_size=n)

    if kind == "int":
        return values(st.integers(-(2**62), 2**62)).map(lambda v: pd.Series(v, dtype="int64"))
    if kind == "float":
        return values(st.floats(allow_nan=True, allow_infinity=True)).map(
            lambda v: pd.Series(v, dtype="float64")
        )
    if kind == "text":
        return values(st.none() | st.text(max_size=12)).map(lambda v: pd.Series(v, dtype="str"))
    if kind == "bool":
        return values(st.booleans()).map(lambda v: pd.Series(v, dtype="bool"))
    if kind == "date":
        moments = st.datetimes(datetime(1990, 1, 1), datetime(2040, 1, 1))
        units = st.sampled_from(["s", "ms", "us", "ns"])
        return st.tuples(values(moments), units).map(
            lambda vu: pd.Series(pd.to_datetime(vu[0], utc=True)).dt.as_unit(vu[1])
        )
    labels = (
        st.sampled_from(["Loyal", "New", "At risk"]) if kind == "category" else st.integers(0, 9)
    )
    return values(labels).map(lambda v: pd.Series(v, dtype="category"))


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
_states = st.dictionaries(st.text(max_size=8), _json_values, max_size=5)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=customer_tables(), state=_states)
def test_analysis_round_trips_through_seal_store_and_open(store, table, state):
    snapshot = Snapshot(table, state)
    shared = share_snapshot(store, snapshot)
    assert_same(open_snapshot(store, shared.link.token), snapshot)


def test_round_trip_keeps_dtypes_index_and_state(store):
    shared = share_snapshot(store, analysis(), days=14)
    opened = open_snapshot(store, f"https://app.example/segments?{shared.link.query}")
    assert_same(opened, analysis())
    assert opened.customers.index.name == "customer_id"
    assert (shared.created_at, shared.expires_at) == (START, START + timedelta(days=14))
    assert shared.size == len(raw_rows(store.engine)[0][1])


# --- what the database holds ----------------------------------------------------------------


def test_database_holds_no_plaintext_no_key_and_only_the_revoke_hash(store, engine, tmp_path):
    shared = share_snapshot(store, analysis())
    secrets_and_values = [
        b"ada.lovelace@example.org",
        b"CUST-7731-XQ",
        b"987654.321",
        struct.pack("<d", 987654.321),
        b"Big spenders",
        shared.link.key,
        shared.link.token.split(".")[2].encode(),
        shared.revoke.secret.encode(),
    ]
    if engine.dialect.name == "sqlite":
        engine.dispose()  # flush and close the file before reading it raw
        stored = b"".join(path.read_bytes() for path in tmp_path.glob("snapshots.sqlite3*"))
    else:
        stored = b"|".join(
            value if isinstance(value, bytes) else str(value).encode()
            for row in raw_rows(engine)
            for value in row
        )
    assert shared.link.snapshot_id.encode() in stored  # we did read the right thing
    found = [value for value in secrets_and_values if value in stored]
    assert found == []
    assert revoke_hash(shared.revoke.secret).encode() in stored


def test_columns_are_the_documented_ones(store):
    names = [column.name for column in snapshots_table.columns]
    assert names == [
        "id", "ciphertext", "created_at", "expires_at", "size", "revoke_hash", "revoked_at"
    ]  # fmt: skip


def test_key_and_secrets_stay_out_of_logs_and_reprs(engine, clock, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)  # statements and parameters
    try:
        store = SnapshotStore(engine, clock=clock)
        shared = share_snapshot(store, analysis())
        open_snapshot(store, shared.link)
        revoke_snapshot(store, shared.revoke)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    key_text = shared.link.token.split(".")[2]
    assert "snapshots" in caplog.text  # the engine did log its statements
    assert key_text not in caplog.text and shared.revoke.secret not in caplog.text
    shown = repr(shared) + repr(seal(analysis()))
    assert key_text not in shown and shared.revoke.secret not in shown


# --- tampering ------------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1, 12, 13, 40, -17, -1])
def test_changing_one_byte_of_the_ciphertext_is_refused(position):
    sealed = seal(analysis())
    tampered = bytearray(sealed.ciphertext)
    tampered[position] ^= 0x01
    with pytest.raises(TamperedSnapshotError, match="does not open its shared analysis"):
        open_sealed(bytes(tampered), sealed.key, sealed.snapshot_id)


@pytest.mark.parametrize("position", [0, 15, 31])
def test_changing_one_bit_of_the_key_is_refused(position):
    sealed = seal(analysis())
    key = bytearray(sealed.key)
    key[position] ^= 0x80
    with pytest.raises(TamperedSnapshotError):
        open_sealed(sealed.ciphertext, bytes(key), sealed.snapshot_id)


def test_a_ciphertext_moved_to_another_id_does_not_open():
    sealed = seal(analysis())
    with pytest.raises(TamperedSnapshotError):
        open_sealed(sealed.ciphertext, sealed.key, new_snapshot_id())


def test_a_cut_ciphertext_and_a_short_key_are_refused():
    sealed = seal(analysis())
    with pytest.raises(TamperedSnapshotError):
        open_sealed(sealed.ciphertext[:20], sealed.key, sealed.snapshot_id)
    with pytest.raises(TamperedSnapshotError):
        open_sealed(sealed.ciphertext, sealed.key[:16], sealed.snapshot_id)


def _edit_char(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_links_with_a_changed_id_or_key_are_refused_by_the_store(store, engine):
    shared = share_snapshot(store, analysis())
    prefix, snapshot_id, key = shared.link.token.split(".")
    with pytest.raises(UnknownSnapshotError, match="No shared analysis has this link"):
        open_snapshot(store, f"{prefix}.{_edit_char(snapshot_id, 5)}.{key}")
    with pytest.raises(TamperedSnapshotError, match="key or id was changed"):
        open_snapshot(store, f"{prefix}.{snapshot_id}.{_edit_char(key, 10)}")
    # the stored copy altered behind the app's back
    with engine.begin() as connection:
        ciphertext = connection.execute(sa.select(snapshots_table.c.ciphertext)).scalar()
        altered = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
        connection.execute(sa.update(snapshots_table).values(ciphertext=altered))
    with pytest.raises(TamperedSnapshotError):
        open_snapshot(store, shared.link)


# --- links ----------------------------------------------------------------------------------


def test_links_parse_back_from_token_query_and_url():
    sealed = seal(analysis())
    link = SnapshotLink(sealed.snapshot_id, sealed.key)
    for text in (
        link.token,
        link.query,
        f"?{link.query}",
        f"https://x.app/map?view=v1.abc&{link.query}",
    ):
        assert parse_link(text) == link
    assert link_from_query({"data": link.token, "view": "v1.abc"}) == link
    assert link_from_query({"view": "v1.abc"}) is None
    revoke = RevokeLink(sealed.snapshot_id, "s" * 43)
    assert parse_revoke_link(f"https://x.app/?{revoke.query}") == revoke


def test_ids_are_random_url_safe_and_not_enumerable():
    ids = {new_snapshot_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", i) for i in ids)
    assert len(seal(analysis()).key) == KEY_BYTES == 32


_ID = "A" * 24
_KEY = "k" * 43


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not in the form"),
        ("hello", "not in the form"),
        (f"d2.{_ID}.{_KEY}", "starts 'd2."),
        (f"d1.{_ID}", "not in the form"),
        (f"r1.{_ID}.{_KEY}", "looks like a revoke link"),
        (f"d1.short.{_KEY}", "is not a snapshot id"),
        (f"d1.{_ID}.{_KEY[:30]}", "key is damaged .30 characters"),
        (f"d1.{_ID}.{_KEY[:-1]}+", "key is damaged"),
        ("https://x.app/?view=v1.abc", "has no 'data=' part"),
    ],
)
def test_malformed_links_are_refused_with_a_clear_message(text, message):
    with pytest.raises(SnapshotLinkError, match=message):
        parse_link(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"d1.{_ID}.{_KEY}", "looks like a data link"),
        (f"r1.{_ID}.{_KEY[:20]}", "secret is damaged"),
        (f"r1.{_ID}", "not in the form"),
    ],
)
def test_malformed_revoke_links_are_refused(text, message):
    with pytest.raises(SnapshotLinkError, match=message):
        parse_revoke_link(text)


def test_every_snapshot_error_is_in_the_family_pages_catch():
    for error in (SnapshotLinkError, TamperedSnapshotError, UnknownSnapshotError,
                  ExpiredSnapshotError, RevokedSnapshotError, SnapshotTooLargeError,
                  SnapshotRateLimitError, SnapshotStoreError):  # fmt: skip
        assert issubclass(error, SnapshotError) and issubclass(error, SegmentationError)


def test_states_that_are_not_json_are_refused():
    with pytest.raises(SnapshotError, match="cannot be saved with the data"):
        seal(Snapshot(customers_table(), {"when": datetime(2026, 1, 1)}))
    with pytest.raises(SnapshotError, match="cannot be saved with the data"):
        seal(Snapshot(customers_table(), {"x": float("nan")}))


def test_tables_parquet_cannot_hold_are_refused():
    twice = pd.DataFrame([[1, 2]], columns=["spend", "spend"])
    with pytest.raises(SnapshotError, match="Column names must be unique"):
        seal(Snapshot(twice))


# --- lifetime and revoke --------------------------------------------------------------------


def test_a_link_expires_after_the_days_its_sender_chose(store, clock):
    shared = share_snapshot(store, analysis(), days=7)
    clock.advance(days=7, seconds=-1)
    assert_same(open_snapshot(store, shared.link), analysis())
    clock.advance(seconds=1)
    with pytest.raises(ExpiredSnapshotError, match="expired on 08 March 2026"):
        open_snapshot(store, shared.link)
    assert store.remove_expired() == 1
    assert raw_rows(store.engine)[0][1] is None  # ciphertext gone, the row says "expired"
    with pytest.raises(ExpiredSnapshotError):
        open_snapshot(store, shared.link)
    clock.advance(days=91)
    store.remove_expired()
    with pytest.raises(UnknownSnapshotError):
        open_snapshot(store, shared.link)


@pytest.mark.parametrize("days", [0, 91, -3, 1.5, True, "30"])
def test_lifetimes_outside_1_to_90_days_are_refused(store, days):
    with pytest.raises(SnapshotError, match=r"must be a whole number of days from 1 to 90"):
        share_snapshot(store, analysis(), days=days)


@pytest.mark.parametrize("days", [1, 30, 90])
def test_lifetimes_from_1_to_90_days_are_kept(store, days):
    shared = share_snapshot(store, analysis(), days=days)
    assert shared.expires_at - shared.created_at == timedelta(days=days)


def test_revoke_needs_the_secret_and_deletes_the_ciphertext(store, clock):
    shared = share_snapshot(store, analysis())
    other = share_snapshot(store, analysis())
    wrong = RevokeLink(shared.link.snapshot_id, other.revoke.secret)
    with pytest.raises(SnapshotLinkError, match="does not match"):
        revoke_snapshot(store, wrong)
    assert_same(open_snapshot(store, shared.link), analysis())
    clock.advance(days=2)
    assert revoke_snapshot(store, shared.revoke.token) is True
    with pytest.raises(RevokedSnapshotError, match="withdrew this shared analysis on 03 March"):
        open_snapshot(store, shared.link)
    row = next(r for r in raw_rows(store.engine) if r[0] == shared.link.snapshot_id)
    assert row[1] is None and row[4] == 0
    assert revoke_snapshot(store, shared.revoke) is False  # a second time: nothing left to do
    assert_same(open_snapshot(store, other.link), analysis())  # the other link still works
    with pytest.raises(UnknownSnapshotError):
        revoke_snapshot(store, RevokeLink(new_snapshot_id(), shared.revoke.secret))


# --- limits ---------------------------------------------------------------------------------


def test_a_snapshot_over_the_size_limit_is_refused(engine, clock):
    store = SnapshotStore(engine, limits=StoreLimits(max_snapshot_bytes=500), clock=clock)
    with pytest.raises(SnapshotTooLargeError, match=r"a shared analysis may take at most 0\.0 MB"):
        share_snapshot(store, analysis())
    assert raw_rows(engine) == []


def test_a_full_store_removes_expired_snapshots_first_then_refuses(engine, clock):
    size = share_snapshot(SnapshotStore(engine, clock=clock), analysis()).size
    with engine.begin() as connection:
        connection.execute(sa.delete(snapshots_table))
    limits = StoreLimits(max_snapshot_bytes=10 * size, max_total_bytes=2 * size + 100)
    store = SnapshotStore(engine, limits=limits, clock=clock)
    first = share_snapshot(store, analysis(), days=1)
    share_snapshot(store, analysis(), days=30)
    with pytest.raises(SnapshotTooLargeError, match="store is full"):
        share_snapshot(store, analysis())
    clock.advance(days=1)  # the first link has expired: its room is reused
    third = share_snapshot(store, analysis())
    assert_same(open_snapshot(store, third.link), analysis())
    with pytest.raises(ExpiredSnapshotError):
        open_snapshot(store, first.link)
    assert store.usage().n_snapshots == 2
    with pytest.raises(SnapshotTooLargeError, match="ask the administrator to raise"):
        share_snapshot(store, analysis())


def test_limits_come_from_the_environment():
    env = {"SEGMENT_STUDIO_SNAPSHOT_MAX_MB": "5", "SEGMENT_STUDIO_STORAGE_MAX_MB": "0.5"}
    assert StoreLimits.from_env(env) == StoreLimits(5 * MB, MB // 2)
    assert StoreLimits.from_env({}) == StoreLimits()
    with pytest.raises(SnapshotStoreError, match="SEGMENT_STUDIO_STORAGE_MAX_MB='lots' must be"):
        StoreLimits.from_env({"SEGMENT_STUDIO_STORAGE_MAX_MB": "lots"})


def test_rate_limit_allows_n_snapshots_per_window_for_each_session():
    seconds = [0.0]
    limiter = RateLimiter(max_snapshots=3, per_minutes=10, clock=lambda: seconds[0])
    for _ in range(3):
        limiter.acquire("alice")
    with pytest.raises(SnapshotRateLimitError, match=r"3 analyses .* 10 minutes.* in 3 minutes"):
        limiter.acquire("alice")
    limiter.acquire("bob")  # another session has its own allowance
    seconds[0] = 200.0  # one snapshot's worth refilled (10 min / 3)
    limiter.acquire("alice")
    assert not limiter.allows("alice")
    seconds[0] = 10_000.0
    assert limiter.allows("alice")
    limiter.acquire("carol")
    assert set(limiter._buckets) == {"carol"}  # refilled buckets are forgotten


# --- configuration --------------------------------------------------------------------------


def test_database_url_prefers_the_environment_then_secrets_then_sqlite(tmp_path):
    env = {DATA_DIR_ENV: str(tmp_path / "state")}
    assert database_url(environ=env) == f"sqlite:///{tmp_path / 'state' / 'snapshots.sqlite3'}"
    secrets = {DATABASE_URL_ENV: "postgresql://app:pw@db.internal/studio"}
    assert database_url(secrets, env) == "postgresql+psycopg://app:pw@db.internal/studio"
    env[DATABASE_URL_ENV] = "postgres://other@db/x"
    assert database_url(secrets, env) == "postgresql+psycopg://other@db/x"
    assert database_url(environ={}).endswith("/.segment-studio-data/snapshots.sqlite3")
    assert data_dir({DATA_DIR_ENV: str(tmp_path)}) == tmp_path


class NoSecretsFile(dict):
    """Like ``st.secrets`` in an app without ``.streamlit/secrets.toml``."""

    def get(self, key, default=None):
        raise FileNotFoundError("No secrets found")


def test_database_url_without_a_secrets_file_falls_back_to_sqlite(tmp_path):
    url = database_url(NoSecretsFile(), {DATA_DIR_ENV: str(tmp_path)})
    assert url == f"sqlite:///{tmp_path / 'snapshots.sqlite3'}"


def test_the_default_store_is_a_sqlite_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    store = open_store()
    shared = share_snapshot(store, analysis())
    assert (tmp_path / "data" / "snapshots.sqlite3").is_file()
    assert engine_for(database_url()) is store.engine  # one engine per URL, shared
    assert_same(open_snapshot(open_store(), shared.link), analysis())


def test_database_problems_are_snapshot_errors_without_the_password(tmp_path):
    with pytest.raises(SnapshotStoreError, match="not a database URL"):
        engine_for("nonsense://what")
    missing = f"postgresql+psycopg://app:hunter2@/nowhere?host={tmp_path}&port=1"
    with pytest.raises(SnapshotStoreError, match="cannot prepare") as caught:
        open_store(url=missing)
    assert "hunter2" not in str(caught.value) and "***" in str(caught.value)


def test_the_postgresql_url_is_the_psycopg_dialect(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://")
    assert engine_for(postgres_url).dialect.driver == "psycopg"


def test_revoke_hash_is_sha256_hex():
    assert revoke_hash("abc") == hashlib.sha256(b"abc").hexdigest()


def test_missing_postgresql_skips_locally_with_the_install_command_and_fails_under_ci(tmp_path):
    assert postgres_or_skip(tmp_path, {}) == tmp_path
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        postgres_or_skip(None, {})
    with pytest.raises(pytest.fail.Exception, match="missing under CI"):
        postgres_or_skip(None, {"CI": "true"})
    assert "apt-get install postgresql" in MISSING_LOCAL and "make test" in MISSING_CI
