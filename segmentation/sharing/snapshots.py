"""A shared analysis with its data: the snapshot, its encrypted envelope and its link.

A :class:`Snapshot` is the customer table as the app holds it plus a JSON-able dict of
everything else (the settings link's state, persona names and notes, map selections, the source
description, the schema). :func:`seal` turns it into ciphertext under a fresh random AES-256-GCM
key; the key travels only in the link (:class:`SnapshotLink`), so the server that stores the
ciphertext (:mod:`.snapshot_store`) cannot read the customers without that link.

The snapshot id is the encryption's associated data: a ciphertext copied under another id does
not open. A revoke link (:class:`RevokeLink`) carries a second secret that only the sender sees.

>>> import pandas as pd
>>> snapshot = Snapshot(pd.DataFrame({"spend": [10.0, 20.5]}), {"page": "segments"})
>>> sealed = seal(snapshot)
>>> opened = open_sealed(sealed.ciphertext, sealed.key, sealed.snapshot_id)
>>> opened.state, opened.customers["spend"].tolist()
({'page': 'segments'}, [10.0, 20.5])
>>> parse_link(SnapshotLink(sealed.snapshot_id, sealed.key).token).key == sealed.key
True
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import secrets
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pyarrow as pa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from segmentation.errors import SnapshotError, SnapshotLinkError, TamperedSnapshotError

ID_BYTES = 18  # 144 random bits; token_urlsafe gives 24 characters, never padded
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the 96-bit nonce AES-GCM is designed for; a fresh one per message
REVOKE_BYTES = 32
ENVELOPE_VERSION = b"\x01"
PLAINTEXT_MAGIC = b"SEGSNAP2"  # state, customers, then named extra tables
PLAINTEXT_MAGIC_V1 = b"SEGSNAP1"  # state and customers only (still read)
AAD_PREFIX = b"segment-studio-snapshot:"
LINK_QUERY_KEY = "data"  # ?data=d1.<id>.<key>  (the settings-only link uses ?view=)
REVOKE_QUERY_KEY = "revoke"  # ?revoke=r1.<id>.<secret>
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")
LINK_PREFIX = "d1"
REVOKE_PREFIX = "r1"
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes in unpadded base64url


@dataclass(frozen=True, eq=False)
class Snapshot:
    """An analysis with its data.

    Attributes
    ----------
    customers : the customer table as the app holds it (index and dtypes are kept).
    state : everything else, JSON-able: settings, persona names and notes, map selections,
        source description, schema. Tuples come back as lists.
    tables : other tables the analysis needs, by name (e.g. ``"orders"``, the per-order table
        predictions are fitted on); kept like ``customers``.
    """

    customers: pd.DataFrame
    state: Mapping[str, Any] = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class SealedSnapshot:
    """A snapshot encrypted for storing: the store keeps ``snapshot_id`` and ``ciphertext``,
    the link keeps ``snapshot_id`` and ``key``. ``repr`` never shows the key."""

    snapshot_id: str
    ciphertext: bytes = field(repr=False)
    key: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Bytes the store keeps for this snapshot."""
        return len(self.ciphertext)


class _Link:
    """A link's token ``<prefix>.<id>.<secret>`` (URL-safe, no escaping needed) and its query."""

    prefix: ClassVar[str]
    query_key: ClassVar[str]
    snapshot_id: str

    def _secret(self) -> str:
        raise NotImplementedError

    @property
    def token(self) -> str:
        """``<prefix>.<id>.<secret>``."""
        return f"{self.prefix}.{self.snapshot_id}.{self._secret()}"

    @property
    def query(self) -> str:
        """The query-string part of the link, ``<key>=<token>`` (without ``?``)."""
        return f"{self.query_key}={self.token}"


@dataclass(frozen=True)
class SnapshotLink(_Link):
    """What a "Share with data" link carries: the snapshot id and the key that opens it;
    ``token`` is ``d1.<id>.<key>`` and ``query`` is ``data=d1.<id>.<key>``."""

    prefix: ClassVar[str] = LINK_PREFIX
    query_key: ClassVar[str] = LINK_QUERY_KEY
    snapshot_id: str
    key: bytes = field(repr=False)

    def _secret(self) -> str:
        return _b64(self.key)


@dataclass(frozen=True)
class RevokeLink(_Link):
    """What a revoke link carries: the snapshot id and the revoke secret (shown once);
    ``token`` is ``r1.<id>.<secret>`` and ``query`` is ``revoke=r1.<id>.<secret>``."""

    prefix: ClassVar[str] = REVOKE_PREFIX
    query_key: ClassVar[str] = REVOKE_QUERY_KEY
    snapshot_id: str
    secret: str = field(repr=False)

    def _secret(self) -> str:
        return self.secret


# --- random values --------------------------------------------------------------------------


def new_snapshot_id() -> str:
    """A random, non-enumerable snapshot id (144 bits, 24 URL-safe characters)."""
    return secrets.token_urlsafe(ID_BYTES)


def new_revoke_secret() -> str:
    """A random revoke secret (256 bits, 43 URL-safe characters)."""
    return secrets.token_urlsafe(REVOKE_BYTES)


# --- serialisation --------------------------------------------------------------------------


def snapshot_to_bytes(snapshot: Snapshot) -> bytes:
    """The snapshot as plaintext bytes: a header, the state as compressed JSON, then each table
    (customers first, then the named ones) as a length-prefixed, zstd-compressed Arrow IPC
    stream. Raises ``SnapshotError`` when the state is not JSON-able or a table cannot be
    written."""
    try:
        state_json = json.dumps(dict(snapshot.state), separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise SnapshotError(
            f"The analysis settings cannot be saved with the data ({err}). Every setting must be "
            "text, a number, true/false, a list or a dict; this is a bug in the app."
        ) from None
    state_bytes = zlib.compress(state_json.encode("utf-8"), 6)
    parts = [PLAINTEXT_MAGIC, struct.pack(">I", len(state_bytes)), state_bytes]
    parts.append(_framed(table_to_bytes(snapshot.customers)))
    for name, frame in snapshot.tables.items():
        parts += [_framed(str(name).encode("utf-8")), _framed(table_to_bytes(frame))]
    return b"".join(parts)


def _framed(raw: bytes) -> bytes:
    return struct.pack(">Q", len(raw)) + raw


def table_to_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a zstd-compressed Arrow IPC stream (index and dtypes kept); raises
    ``SnapshotError`` for a table Arrow cannot hold (repeated names, mixed types)."""
    # Arrow's IPC stream rather than Parquet: Parquet reads integer categories back as plain
    # integers and second-resolution dates as milliseconds; the IPC format keeps every dtype.
    buffer = io.BytesIO()
    try:
        table = pa.Table.from_pandas(frame, preserve_index=True)
        with pa.ipc.new_stream(buffer, table.schema, options=_IPC_OPTIONS) as writer:
            writer.write_table(table)
    except (pa.ArrowException, TypeError, ValueError) as err:
        raise SnapshotError(
            f"The customer table cannot be saved with the analysis ({err}). Column names must be "
            "unique text and each column of one type; use 'Copy link' to share the settings only."
        ) from None
    return buffer.getvalue()


def table_from_bytes(raw: bytes) -> pd.DataFrame:
    """The table :func:`table_to_bytes` wrote; ``ValueError`` when it is damaged or cut."""
    try:
        return pa.ipc.open_stream(raw).read_all().to_pandas()
    except (OSError, pa.ArrowException) as err:  # Arrow reports a cut stream as an OSError
        raise ValueError(f"the table is damaged: {err}") from None


def snapshot_from_bytes(plaintext: bytes) -> Snapshot:
    """The snapshot :func:`snapshot_to_bytes` wrote (or its first version, without tables)."""
    header = len(PLAINTEXT_MAGIC) + 4
    magic = plaintext[: len(PLAINTEXT_MAGIC)]
    if magic not in (PLAINTEXT_MAGIC, PLAINTEXT_MAGIC_V1) or len(plaintext) < header:
        raise SnapshotError(
            "The shared analysis is not in a form this Segment Studio reads (it may come from a "
            "newer version). Ask the sender to share it again."
        )
    (state_length,) = struct.unpack(">I", plaintext[len(PLAINTEXT_MAGIC) : header])
    try:
        state = json.loads(zlib.decompress(plaintext[header : header + state_length]))
        rest = plaintext[header + state_length :]
        if magic == PLAINTEXT_MAGIC_V1:
            return Snapshot(customers=table_from_bytes(rest), state=state)
        chunks = _unframed(rest)
        customers = table_from_bytes(chunks[0])
        tables = {
            name.decode("utf-8"): table_from_bytes(raw)
            for name, raw in zip(chunks[1::2], chunks[2::2], strict=True)
        }
    except (zlib.error, ValueError, struct.error, pa.ArrowException) as err:
        raise SnapshotError(
            f"The shared analysis cannot be read ({err}). Ask the sender to share it again."
        ) from None
    return Snapshot(customers=customers, state=state, tables=tables)


def _unframed(raw: bytes) -> list[bytes]:
    chunks, at = [], 0
    while at < len(raw):
        (length,) = struct.unpack(">Q", raw[at : at + 8])
        chunks.append(raw[at + 8 : at + 8 + length])
        at += 8 + length
    if at != len(raw) or not chunks or len(chunks) % 2 != 1:
        raise ValueError("the tables are cut short")
    return chunks


# --- the encrypted envelope -----------------------------------------------------------------


def _aad(snapshot_id: str) -> bytes:
    return AAD_PREFIX + snapshot_id.encode("ascii")


def seal(snapshot: Snapshot, snapshot_id: str | None = None) -> SealedSnapshot:
    """Encrypt a snapshot under a fresh random 256-bit key with AES-GCM.

    The ciphertext is ``version byte + 96-bit nonce + AES-GCM output``; the snapshot id is the
    associated data, so the ciphertext opens under that id only.

    Parameters
    ----------
    snapshot : the analysis with its data.
    snapshot_id : the id to seal under; a new random one (:func:`new_snapshot_id`) by default.

    Returns
    -------
    SealedSnapshot with the id, the ciphertext and the key.

    Examples
    --------
    >>> import pandas as pd
    >>> sealed = seal(Snapshot(pd.DataFrame({"x": [1]})))
    >>> len(sealed.key), len(sealed.snapshot_id) >= 22
    (32, True)
    """
    snapshot_id = new_snapshot_id() if snapshot_id is None else _checked_id(snapshot_id, "id")
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, snapshot_to_bytes(snapshot), _aad(snapshot_id))
    return SealedSnapshot(snapshot_id, ENVELOPE_VERSION + nonce + body, key)


def open_sealed(ciphertext: bytes, key: bytes, snapshot_id: str) -> Snapshot:
    """Decrypt, in memory, a ciphertext :func:`seal` made under ``snapshot_id``.

    Raises ``TamperedSnapshotError`` when the ciphertext, the key or the id was changed.
    """
    if len(key) != KEY_BYTES or len(ciphertext) < 1 + NONCE_BYTES + 16:
        raise TamperedSnapshotError(_TAMPERED)
    if ciphertext[:1] != ENVELOPE_VERSION:
        raise TamperedSnapshotError(_TAMPERED)
    nonce, body = ciphertext[1 : 1 + NONCE_BYTES], ciphertext[1 + NONCE_BYTES :]
    try:
        plaintext = AESGCM(key).decrypt(nonce, body, _aad(snapshot_id))
    except InvalidTag:
        raise TamperedSnapshotError(_TAMPERED) from None
    return snapshot_from_bytes(plaintext)


_TAMPERED = (
    "This data link does not open its shared analysis: the link's key or id was changed, or the "
    "stored copy was altered. Copy the whole link again from the message it came in, or ask the "
    "sender to share the analysis again."
)


# --- links ----------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _checked_id(snapshot_id: str, what: str) -> str:
    if not _ID_PATTERN.fullmatch(snapshot_id):
        raise SnapshotLinkError(
            f"The {what} {snapshot_id[:30]!r} is not a snapshot id: ids are 22 to 64 letters, "
            "digits, '-' or '_'. Copy the whole link again."
        )
    return snapshot_id


def _token_from(text: str, query_key: str) -> str:
    """The token in a bare token, a query string (``data=...``) or a whole URL."""
    text = text.strip()
    if "=" not in text:
        return text
    query = urlsplit(text).query if "?" in text or "://" in text else text.lstrip("?")
    values = parse_qs(query).get(query_key)
    if not values:
        raise SnapshotLinkError(
            f"This link has no '{query_key}=' part, so it does not point to a shared analysis. "
            "Copy the whole link again."
        )
    return values[0].strip()


def _split_token(token: str, prefix: str, kind: str) -> tuple[str, str]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != prefix:
        other = {"d1": "data link", "r1": "revoke link"}.get(parts[0])
        hint = f" It looks like a {other}." if other and other != kind else ""
        raise SnapshotLinkError(
            f"This {kind} is not in the form Segment Studio makes (it starts {token[:8]!r}; a "
            f"{kind} holds '{prefix}.', an id and a secret).{hint} Copy the whole link again."
        )
    return _checked_id(parts[1], f"{kind}'s id"), parts[2]


def parse_link(text: str) -> SnapshotLink:
    """The :class:`SnapshotLink` in a token, a ``data=...`` query string or a whole URL.

    Raises ``SnapshotLinkError`` for a malformed link (cut short, edited, another app's).
    """
    snapshot_id, key_text = _split_token(
        _token_from(text, LINK_QUERY_KEY), LINK_PREFIX, "data link"
    )
    try:
        key = _unb64(key_text) if _SECRET_PATTERN.fullmatch(key_text) else b""
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SnapshotLinkError(
            f"This data link's key is damaged ({len(key_text)} characters; a key has 43 letters, "
            "digits, '-' or '_'). The link was probably cut short when it was copied: copy the "
            "whole link again."
        )
    return SnapshotLink(snapshot_id, key)


def parse_revoke_link(text: str) -> RevokeLink:
    """The :class:`RevokeLink` in a token, a ``revoke=...`` query string or a whole URL."""
    token = _token_from(text, REVOKE_QUERY_KEY)
    snapshot_id, secret = _split_token(token, REVOKE_PREFIX, "revoke link")
    if not _SECRET_PATTERN.fullmatch(secret):
        raise SnapshotLinkError(
            f"This revoke link's secret is damaged ({len(secret)} characters; it has 43 letters, "
            "digits, '-' or '_'). Copy the whole revoke link again."
        )
    return RevokeLink(snapshot_id, secret)


def link_from_query(query_params: Mapping[str, Any]) -> SnapshotLink | None:
    """The data link in a page's query parameters (e.g. ``st.query_params``), or None when the
    page was opened without one. Raises ``SnapshotLinkError`` for a malformed one."""
    value = query_params.get(LINK_QUERY_KEY)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if not value:
        return None
    return parse_link(str(value))
