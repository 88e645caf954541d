"""Times are stored as ISO 8601 UTC strings and handled as aware datetimes."""

from __future__ import annotations

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


def parse_time(value: object) -> datetime:
    """A timestamp from outside: ISO 8601 (with or without zone) or Unix seconds.

    Raises ValueError with a readable message.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        return from_iso(text)  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from None


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
