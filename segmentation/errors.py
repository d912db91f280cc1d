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
