"""What a sample is: its design (population, size, seed, strata) and how rows are chosen.

A sample travels with its design so anyone can say how it was drawn and draw it again: the
:class:`SampleDesign` is stored in the sample's Parquet key-value metadata under
:data:`DESIGN_KEY` and printed as JSON by ``python -m segmentation sample``.

Rows are chosen by *bottom-n hashing*: every row of the dataset gets a pseudo-random key from
the seed and its position (:func:`row_keys`, a SplitMix64 hash), and the sample is the ``n``
rows with the smallest keys, per stratum when stratified. That is a uniform sample without
replacement, it needs one pass and memory for ``n`` rows only, and it does not depend on how
the files are read in batches: the same seed always gives the same rows.

>>> proportional_allocation([50, 30, 20], 10).tolist()
[5, 3, 2]
>>> proportional_allocation([97, 2, 1], 10).tolist()  # every stratum gets a row
[8, 1, 1]
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from segmentation.errors import SegmentationError

DESIGN_KEY = b"segment_studio.sample"
UNIFORM = "uniform"
STRATIFIED = "stratified (proportional, largest remainder)"
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


class SampleError(SegmentationError):
    """A dataset or sample settings that cannot give a sample."""


@dataclass(frozen=True)
class Stratum:
    """One stratum: its value in each strata column, its rows in the dataset and the sample."""

    values: Mapping[str, str]
    population: int
    size: int


@dataclass(frozen=True)
class SampleDesign:
    """How a sample was drawn.

    Attributes
    ----------
    source : the dataset as given (a file, folder or glob) and ``files`` how many files it held.
    population : N, the rows of the dataset; ``size`` n, the rows of the sample.
    requested : the rows asked for (more than ``population`` means the whole dataset).
    seed : the seed of the row keys; the same seed gives the same rows.
    strata_columns, strata : for a stratified sample, the columns and each stratum's N and n.
    """

    source: str
    files: int
    population: int
    size: int
    requested: int
    seed: int
    method: str = UNIFORM
    strata_columns: tuple[str, ...] = ()
    strata: tuple[Stratum, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (what the Parquet metadata and the command line carry)."""
        data = asdict(self)
        data["strata_columns"] = list(self.strata_columns)
        data["strata"] = [
            {"values": dict(s.values), "population": s.population, "size": s.size}
            for s in self.strata
        ]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SampleDesign:
        """Rebuild from :meth:`to_dict` output."""
        strata = tuple(
            Stratum(dict(s["values"]), int(s["population"]), int(s["size"]))
            for s in data.get("strata", ())
        )
        fields = {k: data[k] for k in ("source", "files", "population", "size", "requested")}
        return cls(
            **fields,
            seed=int(data["seed"]),
            method=data.get("method", UNIFORM),
            strata_columns=tuple(data.get("strata_columns", ())),
            strata=strata,
        )

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def row_keys(seed: int, rows: np.ndarray) -> np.ndarray:
    """The pseudo-random key of each row position under ``seed`` (distinct rows, distinct keys:
    SplitMix64 is a bijection)."""
    base = _splitmix64(np.array([seed % 2**64], dtype=np.uint64))[0]
    return _splitmix64(np.asarray(rows, dtype=np.uint64) ^ base)


def proportional_allocation(populations: Sequence[int], size: int) -> np.ndarray:
    """Rows per stratum for a sample of ``size``: proportional to each stratum's rows, rounded
    by largest remainder, and at least one row for every non-empty stratum when ``size``
    allows (taken from the stratum most over its exact share)."""
    N_h = np.asarray(populations, dtype=np.int64)
    N = int(N_h.sum())
    if size >= N:
        return N_h.copy()
    exact = size * N_h  # the exact share is exact / N; integers keep the rounding exact
    n_h = exact // N
    remainders = exact % N
    short = size - int(n_h.sum())
    order = np.lexsort((np.arange(len(N_h)), -N_h, -remainders))
    n_h[order[:short]] += 1
    if size >= int((N_h > 0).sum()):
        for empty in np.flatnonzero((n_h == 0) & (N_h > 0)):
            over = np.where(n_h > 1, n_h * N - exact, np.iinfo(np.int64).min)
            donor = int(np.argmax(over))
            n_h[donor] -= 1
            n_h[empty] += 1
    return n_h


class BottomKeys:
    """The rows with the smallest keys per stratum, kept while batches stream past.

    ``offer`` returns the positions (within the batch) of the rows that join; the caller keeps
    the rows themselves. ``kept`` says which of the rows kept so far are still in.
    """

    def __init__(self, quotas: np.ndarray) -> None:
        self.quotas = np.asarray(quotas, dtype=np.int64)
        self.keys = np.empty(0, dtype=np.uint64)
        self.codes = np.empty(0, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int64)

    def _thresholds(self) -> np.ndarray:
        counts = np.bincount(self.codes, minlength=len(self.quotas))
        thresholds = np.zeros(len(self.quotas), dtype=np.uint64)
        np.maximum.at(thresholds, self.codes, self.keys)
        return np.where(counts >= self.quotas, thresholds, np.uint64(_MASK))

    def offer(
        self, keys: np.ndarray, codes: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Consider a batch; return (positions of kept old rows, positions of joining batch
        rows), each in the order the caller should concatenate them."""
        candidates = np.flatnonzero(keys < self._thresholds()[codes])
        all_keys = np.concatenate([self.keys, keys[candidates]])
        all_codes = np.concatenate([self.codes, codes[candidates]])
        order = np.lexsort((all_keys, all_codes))
        sorted_codes = all_codes[order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_codes, sorted_codes, side="left")
        keep = np.sort(order[rank < self.quotas[sorted_codes]])
        old, new = keep[keep < len(self.keys)], keep[keep >= len(self.keys)] - len(self.keys)
        self.keys, self.codes = all_keys[keep], all_codes[keep]
        self.rows = np.concatenate([self.rows[old], rows[candidates][new]])
        return old, candidates[new]
