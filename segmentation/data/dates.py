"""Reading dates written any common way, onto one timeline.

skrub's ``ToDatetime`` is the model: candidate formats are tried on a few values, the survivors on
a sample of the column, and the format that reads the most is kept for the whole column; a column
is dates only when that format reads at least 95 % of its distinct values. Handled: ISO dates and
times with or without offsets (``2024-03-15 10:22:31 -0400``, ``…Z``, ``+02:00``, offsets that
change with daylight saving in one column), day-first and month-first dates (decided from the
values), 12-hour clocks (``3/15/2024 2:30 PM``), month names (``Mar 15, 2024``, ``15 March 2024``),
and, in columns named like dates, ``YYYYMMDD`` numbers, Unix seconds or milliseconds and Excel
serial day numbers.

Values with offsets are converted to UTC and stored as naive datetimes, like every other date
column: one timeline, whatever zone each value was written in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.data.distinct_values import as_series
from segmentation.data.words import spelled_out

MIN_SHARE = 0.95
SAMPLE = 500  # distinct values candidate formats are tried on
_YMD = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_DATE_LIKE = re.compile(
    r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"  # 2024-03-15, 15/03/2024, 3.15.24
    r"|\d{1,2}[ \-][A-Za-z]{3,9}\.?[ \-,]+\d{2,4}"  # 15 March 2024, 15-Mar-24
    r"|[A-Za-z]{3,9}\.? \d{1,2}(st|nd|rd|th)?,? \d{4}"  # Mar 15, 2024
    r"|[A-Za-z]{3,9}, \d{1,2} [A-Za-z]{3} \d{4}"  # Fri, 15 Mar 2024
    r")([ T,].*)?$"
)
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_NUMBERS = re.compile(r"\d+(\.\d+)?$")
_ALL_NUMBERS = re.compile(r"(\d+(\.\d+)?\n)*\d+(\.\d+)?")  # _NUMBERS, values one a line
# a name "like a date": the word-level test for numbers read as dates (Unix, Excel)
_DATE_WORDS = re.compile(
    r"\b(date|dates|datetime|time|timestamp|ts|epoch|created|updated|modified|joined|signup|"
    r"since|birthday|dob)\b|\b(at|on)$"
)
_YMD_NAME = re.compile(r"(date|day|time|dt|when|period|month|signup|joined|created|since|at$)")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I:%M%p")
_ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S %z",  # Shopify: 2024-03-15 10:22:31 -0400
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%dT%H:%M:%S%z",  # …Z and +02:00
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S UTC",
    "ISO8601",  # anything else ISO 8601 allows (fractions of seconds, mixed precision)
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d",
)
_DAY_FIRST = tuple(
    f"{day}{time}"
    for day in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
    for time in _TIMES
)
_MONTH_FIRST = tuple(
    f"{day}{time}" for day in ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y") for time in _TIMES
)
_MONTH_NAMES = (
    *(
        f"{day}{time}"
        for day in (
            "%b %d, %Y",
            "%B %d, %Y",
            "%b %d %Y",
            "%B %d %Y",
            "%d %b %Y",
            "%d %B %Y",
            "%d-%b-%Y",
            "%d-%b-%y",
            "%a, %d %b %Y",
            "%A, %B %d, %Y",
        )
        for time in _TIMES
    ),
    "%a, %d %b %Y %H:%M:%S %z",  # e-mail style: Fri, 15 Mar 2024 10:22:31 -0400
)
_FORMATS = _ISO_FORMATS + _DAY_FIRST + _MONTH_FIRST + _MONTH_NAMES
_EPOCHS = (  # numbers read as dates in columns named like dates: (name, unit, low, high)
    ("Unix seconds", "s", 3.2e8, 4.1e9),  # 1980 to 2099
    ("Unix milliseconds", "ms", 3.2e11, 4.1e12),
    ("Excel serial day numbers", "excel", 20_000, 73_000),  # 1954 to 2099
)


@dataclass(frozen=True)
class DateReading:
    """A column read as dates: the values (naive, on one timeline), the format that read them,
    the share of distinct present values it read, and a note for the data quality report."""

    values: pd.Series
    format: str
    share: float
    note: str = ""


def is_date_name(name: str) -> bool:
    """Whether a column's name says it holds dates or times ('Created at', 'order_date', 'ts')."""
    return bool(_DATE_WORDS.search(spelled_out(name)))


def read_text_dates(
    uniques: pd.Series, name: str, force: bool = False, head: list[str] | None = None
) -> DateReading | None:
    """The distinct text values of a column read as dates, or ``None`` when they are not dates.

    ``uniques`` holds a column's distinct values (missing ones as ``<NA>``), ``head`` its first
    present ones as Python strings when the caller has them. Digits only are read as dates in
    columns named like dates (``YYYYMMDD``, Unix time, Excel serials), or in any column with
    ``force`` (a column the user said holds dates).

    >>> reading = read_text_dates(pd.Series(["2024-03-15 10:22:31 -0400",
    ...                                      "2024-11-15 10:22:31 -0500"]), "Created at")
    >>> reading.values.tolist(), reading.format
    ([Timestamp('2024-03-15 14:22:31'), Timestamp('2024-11-15 15:22:31')], '%Y-%m-%d %H:%M:%S %z')
    """
    if head is None:
        head = [v.strip() for v in uniques.head(SAMPLE + 100).tolist() if isinstance(v, str)]
    head = [v for v in head[:SAMPLE] if v]
    if not head:
        return None
    if all(_NUMBERS.match(v) for v in head):
        return _digit_dates(uniques, name, force, head[0])
    if not (force or _mostly_date_like(head)):
        return None
    sample = pd.Series(head, dtype="string")
    return _best_reading(uniques, name, sample, _format_shares(sample))


def read_text_dates_batch(
    columns: list[tuple[pd.Series | pd.arrays.ArrowStringArray, str, list[str]]],
) -> list[DateReading | None]:
    """:func:`read_text_dates` of many columns (each its distinct values, name and first values
    as Python strings): each candidate format is tried once on all the samples it may read, and
    once on all the columns it was chosen for (a wide file's dozens of date columns cost what a
    few do)."""
    readings: list[DateReading | None] = [None] * len(columns)
    samples: dict[int, pd.Series] = {}
    for i, (uniques, name, head) in enumerate(columns):
        head = [v for v in head[:SAMPLE] if v]
        if head and _all_digits(head):
            readings[i] = _digit_dates(as_series(uniques), name, False, head[0])
        elif head and _mostly_date_like(head):
            samples[i] = pd.Series(head, dtype="string")
    shares = _format_shares_batch(samples)
    chosen = {i: _best_format(shares[i]) for i in samples}
    distinct = {i: as_series(columns[i][0]) for i, fmt in chosen.items() if fmt}
    parsed = _parse_batch(distinct, chosen)
    for i, values in parsed.items():
        name = columns[i][1]
        readings[i] = _reading(values, distinct[i], name, samples[i], shares[i], chosen[i])
    return readings


def _all_digits(head: list[str]) -> bool:
    """Whether every value matches ``_NUMBERS`` (one match over the values joined by line
    breaks, when none holds one: a pattern call per value costs more)."""
    joined = "\n".join(head)
    if joined.count("\n") != len(head) - 1:
        return all(_NUMBERS.match(v) for v in head)
    return _ALL_NUMBERS.fullmatch(joined) is not None


def _mostly_date_like(head: list[str]) -> bool:
    """Whether at least MIN_SHARE of the values are shaped like dates (stops at the first value
    past the share that may fail)."""
    failed = 0
    for value in head:
        if not _DATE_LIKE.match(value):
            failed += 1
            if len(head) - failed < MIN_SHARE * len(head):
                return False
    return True


def _best_format(shares: dict[str, float]) -> str | None:
    """The format that reads the most of the sample (month first on a tie), if it reads enough."""
    if not shares:
        return None
    best = max(shares, key=lambda fmt: (shares[fmt], fmt in _MONTH_FIRST))
    return best if shares[best] >= MIN_SHARE else None


def _best_reading(
    uniques: pd.Series, name: str, sample: pd.Series, shares: dict[str, float]
) -> DateReading | None:
    best = _best_format(shares)
    if best is None:
        return None
    values = _trimmed(uniques)
    return _reading(_parse(values, best), uniques, name, sample, shares, best)


def _reading(
    parsed: pd.Series,
    uniques: pd.Series,
    name: str,
    sample: pd.Series,
    shares: dict[str, float],
    best: str,
) -> DateReading | None:
    """The column's dates when ``best`` read at least MIN_SHARE of its distinct values."""
    share = float(np.float64(parsed.count()) / uniques.count())
    if share < MIN_SHARE:
        return None
    return DateReading(parsed, best, share, _format_note(name, best, shares, sample))


def read_number_dates(values: pd.Series, name: str, force: bool = False) -> DateReading | None:
    """Numbers read as dates when the column is named like a date (or ``force``): ``YYYYMMDD``,
    Unix seconds or milliseconds, or Excel serial day numbers; else ``None``.

    >>> read_number_dates(pd.Series([45384.34, 45385.5]), "Created at").values.iloc[0]
    Timestamp('2024-04-02 08:09:36')
    """
    words = spelled_out(name)
    ymd_named = force or bool(_YMD_NAME.search(words))
    date_named = force or is_date_name(name)
    if not (ymd_named or date_named):
        return None
    numbers = pd.to_numeric(values, errors="coerce")
    present = numbers.dropna().astype("float64")
    if present.empty:
        return None
    whole = bool(np.all(np.mod(present.to_numpy(), 1) == 0))
    if whole and ymd_named and _YMD.match(str(int(present.iloc[0]))):
        parsed = pd.to_datetime(
            numbers.astype("Int64").astype("string"), format="%Y%m%d", errors="coerce"
        )
        if parsed.notna().sum() == len(present):
            note = f"'{name}' read as dates written as YYYYMMDD numbers."
            return DateReading(parsed, "%Y%m%d", 1.0, note)
    # a time of day or a duration can fall in Excel's range; a day count named "time" is rare
    excel_named = force or (date_named and not re.search(r"\b(time|ts|timestamp)$", words))
    low, high = float(present.min()), float(present.max())
    for label, unit, start, end in _EPOCHS if date_named else ():
        if start <= low and high <= end and (unit != "excel" or excel_named):
            parsed = _from_number(numbers, unit)
            first = _from_number(present.head(1), unit).iloc[0]
            note = f"'{name}' read as {label} ({_example(present.iloc[0])} → {first:%d %b %Y})."
            return DateReading(parsed, label, 1.0, note)
    return None


def read_dates(values: pd.Series, name: str) -> DateReading | None:
    """Any column read as dates if a format this module knows reads 95 % of it (a column the
    user mapped to a date by hand: no name or shape condition), else ``None``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return DateReading(values, "dates", 1.0)
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return read_number_dates(values, name, force=True)
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    reading = read_text_dates(pd.Series(uniques, dtype="string"), name, force=True)
    if reading is None:
        return None
    expanded = reading.values.array.take(codes, allow_fill=True)
    return DateReading(pd.Series(expanded, index=values.index), reading.format, reading.share,
                       reading.note)  # fmt: skip


def may_hold_digit_dates(name: str) -> bool:
    """Whether digits in a column of this name may be read as dates (the name says dates, or
    days such as ``YYYYMMDD``): in any other column, numbers are never read as dates."""
    return is_date_name(name) or bool(_YMD_NAME.search(spelled_out(name)))


def _digit_dates(uniques: pd.Series, name: str, force: bool, first: str) -> DateReading | None:
    """Digits read as dates (``first``: the first distinct value, written with digits only)."""
    if not (force or may_hold_digit_dates(name)):
        return None
    # a column named like days but not like dates reads only YYYYMMDD, which its first value
    # shows (:func:`read_number_dates`): the other columns' digits are not converted to tell
    whole_part = first.split(".")[0].lstrip("0") or "0"  # its integer, as int(float()) writes it
    if not force and first.isascii() and not is_date_name(name) and not _YMD.match(whole_part):
        return None
    numbers = pd.to_numeric(_trimmed(uniques), errors="coerce")
    reading = read_number_dates(numbers, name, force)
    if reading is None or reading.values.notna().sum() < MIN_SHARE * uniques.notna().sum():
        return None
    return reading


@lru_cache(maxsize=4096)
def _candidates(value: str) -> tuple[str, ...]:
    """The formats that read this one value (Python's strptime: a few microseconds each)."""
    if re.match(r"\d{4}[-/.]", value):
        family = _ISO_FORMATS
    elif re.match(r"\d{1,2}[-/.]\d{1,2}[-/.]", value):
        family = _DAY_FIRST + _MONTH_FIRST
    else:
        family = _MONTH_NAMES
    timed = ":" in value
    found = []
    for fmt in family:
        if fmt != "ISO8601" and ("%H" in fmt or "%I" in fmt) != timed:
            continue
        try:
            if fmt == "ISO8601":
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            else:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        found.append(fmt)
    return tuple(found)


def _format_shares(sample: pd.Series) -> dict[str, float]:
    """Share of the sample each candidate format reads; candidates read one of its first values."""
    formats: set[str] = set()
    for value in sample.head(3):
        formats.update(_candidates(str(value)))
    ordered = [fmt for fmt in _FORMATS if fmt in formats]
    return {fmt: float(_parse(sample, fmt).notna().mean()) for fmt in ordered}


def _format_shares_batch(samples: dict[int, pd.Series]) -> dict[int, dict[str, float]]:
    """:func:`_format_shares` of many samples: each format parses, in one call, every sample
    whose first values it reads (a format without offsets reads each value alone)."""
    candidates: dict[int, set[str]] = {}
    for i, sample in samples.items():
        candidates[i] = {fmt for value in sample.head(3) for fmt in _candidates(str(value))}
    shares: dict[int, dict[str, float]] = {i: {} for i in samples}
    for fmt in _FORMATS:
        users = [i for i in samples if fmt in candidates[i]]
        if not users:
            continue
        if len(users) == 1 or not _batchable(fmt):
            for i in users:
                shares[i][fmt] = float(_parse(samples[i], fmt).notna().mean())
            continue
        read = _parse(pd.concat([samples[i] for i in users]), fmt).notna().to_numpy(dtype=bool)
        bounds = np.cumsum([0] + [len(samples[i]) for i in users])
        for k, i in enumerate(users):
            shares[i][fmt] = float(read[bounds[k] : bounds[k + 1]].mean())
    return shares


def _parse_batch(
    columns: dict[int, pd.Series], formats: dict[int, str | None]
) -> dict[int, pd.Series]:
    """Each column's distinct values (trimmed) read with its format; columns sharing a format
    without offsets are parsed in one call."""
    parsed: dict[int, pd.Series] = {}
    for fmt in dict.fromkeys(formats[i] for i in columns):
        users = [i for i in columns if formats[i] == fmt]
        if len(users) == 1 or not _batchable(fmt):
            parsed |= {i: _parse(_trimmed(columns[i]), fmt) for i in users}
            continue
        # trimmed once for all the columns (a pandas call per column costs more than the values)
        joined = _trimmed(pd.concat([columns[i] for i in users], ignore_index=True))
        read = _parse(joined, fmt)
        bounds = np.cumsum([0] + [len(columns[i]) for i in users])
        for k, i in enumerate(users):
            part = read.iloc[bounds[k] : bounds[k + 1]]
            parsed[i] = part.set_axis(columns[i].index)
    return parsed


def _trimmed(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _batchable(fmt: str) -> bool:
    """Whether values read with ``fmt`` read alike alone or among other columns' values: no
    offsets or ISO 8601 guessing, whose results (zone, precision) depend on all the values."""
    return fmt in _DAY_FIRST + _MONTH_FIRST + _MONTH_NAMES and "%z" not in fmt


# day-first and month-first days written with two-digit days and months and four-digit years
# (05/03/2024): read in C by Arrow (pandas reads these formats one value at a time in Python),
# the same dates and the same missing ones
_FIXED_DAYS = {
    f"{first}{sep}{second}{sep}%Y": (rf"^[0-9]{{2}}\{sep}[0-9]{{2}}\{sep}[1-9][0-9]{{3}}$", day)
    for sep in "/.-"
    for first, second, day in (("%d", "%m", 0), ("%m", "%d", 3))
    if f"{first}{sep}{second}{sep}%Y" in _DAY_FIRST + _MONTH_FIRST
}


def _parse(values: pd.Series, fmt: str) -> pd.Series:
    """Values read with one format; with offsets, converted to UTC and made naive."""
    fixed = _fixed_days(values, fmt)
    if fixed is not None:
        return fixed
    zoned = (fmt in _ISO_FORMATS and ("%z" in fmt or "UTC" in fmt)) or fmt == "ISO8601"
    if "UTC" in fmt:
        values = values.str.replace(r" UTC$", "+0000", regex=True)
    # pandas reads ISO text with offsets in C, but "%z" after a space in Python: 16 times slower
    parse_as = "ISO8601" if zoned else fmt
    parsed = pd.to_datetime(values, format=parse_as, errors="coerce", utc=zoned or "%z" in fmt)
    return parsed.dt.tz_convert(None) if zoned or "%z" in fmt else parsed


def _fixed_days(values: pd.Series, fmt: str) -> pd.Series | None:
    """Values read with a format of ``_FIXED_DAYS`` when every one is written in fixed widths,
    else ``None``."""
    if fmt not in _FIXED_DAYS or not isinstance(values.dtype, pd.StringDtype) or values.empty:
        return None
    shape, day = _FIXED_DAYS[fmt]
    if not values.str.match(shape).to_numpy(dtype=bool, na_value=True).all():
        return None
    # Arrow reads them in C but rolls impossible days over (31/04 -> 1 May): a value is a date
    # only when the day and month read are those written
    text = pa.array(values.array, pa.large_string())
    parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
    written_day, written_month = (
        pc.cast(pc.utf8_slice_codeunits(text, at, at + 2), pa.int64()) for at in (day, 3 - day)
    )
    exact = pc.and_(
        pc.equal(pc.day(parsed), written_day), pc.equal(pc.month(parsed), written_month)
    ).fill_null(False)
    parsed = pc.if_else(exact, parsed, pa.scalar(None, parsed.type))
    return pd.Series(
        parsed.to_numpy(zero_copy_only=False),
        index=values.index,
        name=values.name,
        dtype="datetime64[us]",
    )


def _from_number(numbers: pd.Series, unit: str) -> pd.Series:
    if unit == "excel":  # day fractions in binary floating point: round to the millisecond
        parsed = pd.to_datetime(numbers, unit="D", origin="1899-12-30", errors="coerce")
        parsed = parsed.dt.round("ms")
    else:
        parsed = pd.to_datetime(numbers, unit=unit, errors="coerce")
    return parsed.astype("datetime64[us]")


def _example(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def _format_note(name: str, chosen: str, shares: dict[str, float], present: pd.Series) -> str:
    if chosen in _DAY_FIRST or chosen in _MONTH_FIRST:
        rival = _MONTH_FIRST if chosen in _DAY_FIRST else _DAY_FIRST
        order = "day first" if chosen in _DAY_FIRST else "month first"
        if max((shares.get(f, 0.0) for f in rival), default=0.0) >= shares[chosen]:
            return (
                f"'{name}': no day above 12 in the data, so day and month cannot be told "
                f"apart; read as {order}. Check a few dates in the preview."
            )
        return f"'{name}' read as dates written {order} (decided from values such as day 13–31)."
    if chosen == "ISO8601" or "%z" in chosen:
        found = (_OFFSET.search(str(v)) for v in present.head(SAMPLE).tolist())
        offsets = {match.group(1) for match in found if match}
        if len(offsets) > 1:
            shown = ", ".join(sorted(offsets)[:3])
            return (
                f"'{name}': times carry different UTC offsets ({shown}); all were converted to "
                "UTC so they sit on one timeline."
            )
    return ""


def dates_in_format(values: pd.Series, fmt: str) -> pd.Series:
    """Text read as dates in a format chosen before (by :func:`read_dates` on another part of
    the same column), so every part of a large file reads its dates the same way."""
    return _parse(_trimmed(values), fmt)
