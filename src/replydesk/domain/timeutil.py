"""Times are stored as ISO 8601 UTC strings and handled as aware datetimes."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def to_iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# times from outside must fall in here: a year of room on each side of what datetime can
# hold, so no time zone or date arithmetic on a stored time can overflow
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # exclusive
_RANGE = f"a time between the years {EARLIEST.year} and {LATEST.year - 1}"


def _shown(value: object) -> str:
    """The value as written, cut short: a message never carries a megabyte of input."""
    try:
        text = repr(value)
    except ValueError:  # an int of more digits than Python will print
        return "a number of thousands of digits"
    return text if len(text) <= 60 else text[:57] + "..."


def parse_time(value: object) -> datetime:
    """A timestamp from outside: ISO 8601 (with or without zone) or Unix seconds.

    Raises ValueError with a readable message, whatever the value: not a timestamp, not a
    finite number, or out of range (1e20, -1e20, year 99999) all say so.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _unix(value, value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a timestamp: {_shown(value)}")
    text = value.strip()
    if text.isdigit():
        try:
            number = int(text)
        except ValueError:  # digits int() does not take ("²"), or too many of them
            raise ValueError(f"not a timestamp: {_shown(value)}") from None
        return _unix(number, value)
    try:
        dt = from_iso(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {_shown(value)}") from None
    assert dt is not None
    try:
        in_range = EARLIEST <= dt.astimezone(UTC) < LATEST
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the year 1 in UTC
        in_range = False
    if not in_range:
        raise ValueError(f"{_shown(value)} is out of range ({_RANGE})")
    return dt


def _unix(number: float, value: object) -> datetime:
    """Unix seconds as an aware UTC datetime; ValueError for NaN, infinity or out of range."""
    try:
        seconds = float(number)
    except OverflowError:  # an int too large for a float
        raise ValueError(f"timestamp {_shown(value)} is out of range ({_RANGE})") from None
    if not math.isfinite(seconds):
        raise ValueError(f"timestamp {_shown(value)} is not a finite number")
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise ValueError(f"timestamp {_shown(value)} is out of range ({_RANGE})")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # the platform's own limits
        raise ValueError(f"timestamp {_shown(value)} is out of range for this system") from None


def age(dt: datetime | None, reference: datetime | None = None) -> str:
    """A short age such as 5m, 3h, 2d, 6w."""
    if dt is None:
        return "—"
    delta: timedelta = (reference or now()) - dt
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    days = minutes // (60 * 24)
    return f"{days}d" if days < 14 else f"{days // 7}w"
