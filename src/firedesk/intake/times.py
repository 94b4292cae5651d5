"""Times as sources send them, read into firedesk's stored form (UTC ISO 8601) or None."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from firedesk.clock import to_iso

# Epoch numbers above these are in ms / µs / ns (Opsgenie mixes ms and ns in one body).
_MS, _US, _NS = 1e11, 1e14, 1e17


def _from_epoch(number: float) -> str | None:
    if number <= 0:
        return None
    for limit, divisor in ((_NS, 1e9), (_US, 1e6), (_MS, 1e3)):
        if number >= limit:
            number = number / divisor
            break
    try:
        return to_iso(datetime.fromtimestamp(number, timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def parse_time(value: Any) -> str | None:
    """An RFC 3339 string, `+0000` offsets, or epoch s/ms/µs/ns (number or digit string).

    Go's zero time (`0001-01-01T00:00:00Z`, what Alertmanager sends for "no end yet") and
    anything unreadable mean "not set".
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    raw = value.strip()
    if not raw:
        return None
    if raw.replace(".", "", 1).isdigit():
        return _from_epoch(float(raw))
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            from dateutil.parser import isoparse

            moment = isoparse(raw)
        except (ValueError, OverflowError, TypeError):
            return None
    if moment.year <= 1:
        return None  # Go's zero time: not set
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return to_iso(moment)
    except (OverflowError, ValueError):
        return None
