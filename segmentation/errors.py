"""The one error family the app shows to users.

Pages catch :class:`SegmentationError` only, show ``str(err)`` and keep the previous state, so
every message names the thing, shows the value, states the rule and says how to fix it.
"""

from __future__ import annotations


class SegmentationError(ValueError):
    """A problem with the user's data or settings that the user can fix."""


class DataLoadError(SegmentationError):
    """A file that cannot be read as a table of customers or orders."""


class SchemaError(SegmentationError):
    """Columns, roles or types that do not fit what the next step needs."""


class AggregationError(SegmentationError):
    """An orders file that cannot be turned into one row per customer."""


class JoinError(SegmentationError):
    """Two customer tables that cannot be joined into one (no key, or no key in common)."""


class SnapshotError(SegmentationError):
    """A shared analysis with data that cannot be stored, found or opened."""


class SnapshotLinkError(SnapshotError):
    """A data link or revoke link that is not in the form the app makes (cut short, edited)."""


class TamperedSnapshotError(SnapshotError):
    """A stored snapshot that its link's key does not open: key, id or ciphertext was changed."""


class UnknownSnapshotError(SnapshotError):
    """A data link whose id the store has never had (or removed long ago)."""


class ExpiredSnapshotError(SnapshotError):
    """A data link past the lifetime its sender chose."""


class RevokedSnapshotError(SnapshotError):
    """A data link its sender withdrew with the revoke link."""


class SnapshotTooLargeError(SnapshotError):
    """A snapshot over the per-snapshot size limit, or one that does not fit in the store."""


class SnapshotRateLimitError(SnapshotError):
    """Too many snapshots created by one session in a short time."""


class SnapshotStoreError(SnapshotError):
    """The snapshot database cannot be reached or is set up wrongly."""
