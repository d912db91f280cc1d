"""The one segmentation value every method produces and every later page reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from segmentation.errors import SegmentationError

UNASSIGNED = -1
METHODS = ("kmeans", "gmm", "ward", "hdbscan", "kprototypes", "rules", "rfm", "selection")


@dataclass(frozen=True)
class Segmentation:
    """A label per customer, a name per segment, and the method and settings that made them.

    Attributes
    ----------
    title : the user's name for this segmentation ("k-means, 6 segments", "RFM").
    method : one of :data:`METHODS`.
    labels : segment id per customer, indexed by customer id; ``UNASSIGNED`` (-1) holds
        HDBSCAN's noise or the customers no rule matched ("Other").
    segment_names : a readable name per segment id, for every id that occurs in ``labels``.
    settings : every setting that produced the labels; JSON-serialisable.
    """

    title: str
    method: str
    labels: pd.Series
    segment_names: Mapping[int, str]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise SegmentationError(
                f"method='{self.method}' is not a segmentation method; use one of "
                f"{', '.join(METHODS)}."
            )
        missing = sorted(int(i) for i in set(self.labels.unique()) - set(self.segment_names))
        if missing:
            raise SegmentationError(
                f"Segments {missing} have no name; give every segment id in labels a name."
            )
        json.dumps(dict(self.settings))  # settings must travel in links and project files

    @property
    def segment_ids(self) -> tuple[int, ...]:
        """Segment ids in display order: the regular segments, then Unassigned / Other."""
        ids = sorted(int(i) for i in self.labels.unique())
        return tuple([i for i in ids if i != UNASSIGNED] + [i for i in ids if i == UNASSIGNED])

    @property
    def n_segments(self) -> int:
        """Number of segments, not counting Unassigned / Other."""
        return sum(1 for i in self.segment_ids if i != UNASSIGNED)

    def sizes(self) -> pd.Series:
        """Customers per segment, indexed by segment name, in display order."""
        counts = self.labels.value_counts()
        return pd.Series(
            [int(counts.get(i, 0)) for i in self.segment_ids],
            index=[self.segment_names[i] for i in self.segment_ids],
            name="customers",
        )

    def shares(self) -> pd.Series:
        """Share of customers per segment (sums to 1)."""
        sizes = self.sizes()
        return (sizes / sizes.sum()).rename("share")

    def named_labels(self) -> pd.Series:
        """The segment name of each customer."""
        return self.labels.map(self.segment_names).rename("segment")

    def renamed(self, segment_id: int, new_name: str) -> Segmentation:
        """A copy with one segment renamed; names stay unique and non-empty."""
        new_name = new_name.strip()
        if not new_name:
            raise SegmentationError("A segment name cannot be empty; type a name.")
        taken = {name for i, name in self.segment_names.items() if i != segment_id}
        if new_name in taken:
            raise SegmentationError(
                f"'{new_name}' is already the name of another segment; choose a different name."
            )
        return replace(self, segment_names={**self.segment_names, segment_id: new_name})

    def to_dict(self) -> dict[str, Any]:
        """Everything but the labels, as JSON-friendly data (labels are recomputed on load)."""
        return {
            "title": self.title,
            "method": self.method,
            "segment_names": {str(k): v for k, v in self.segment_names.items()},
            "settings": dict(self.settings),
        }


def make_segmentation(
    title: str,
    method: str,
    labels: pd.Series,
    names: Mapping[int, str] | None = None,
    settings: Mapping[str, Any] | None = None,
    unassigned_name: str = "Unassigned",
) -> Segmentation:
    """Build a segmentation, naming unnamed segments "Segment 1", "Segment 2", ... in id order."""
    labels = labels.astype("int64")
    names = dict(names or {})
    for number, segment_id in enumerate(sorted(set(labels.unique()) - {UNASSIGNED}), start=1):
        names.setdefault(int(segment_id), f"Segment {number}")
    if (labels == UNASSIGNED).any():
        names.setdefault(UNASSIGNED, unassigned_name)
    present = set(int(i) for i in labels.unique())
    names = {i: n for i, n in names.items() if i in present}
    return Segmentation(title, method, labels, names, dict(settings or {}))
