"""Creating a real Alertmanager silence for an alert (`POST /api/v2/silences`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from firedesk.clock import parse_utc, to_iso
from firedesk.errors import FiredeskError, InvalidInput
from firedesk.intake.triage import AlertRow

# Labels that identify an alert without pinning the silence to one evaluation.
_SKIP_LABELS = {"alertstate", "__name__"}


def silence_body(alert: AlertRow, *, now: str, duration: timedelta, author: str,
                 reason: str) -> dict[str, Any]:
    """A `postableSilence` matching the alert's labels exactly."""
    matchers = [{"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in sorted(alert.labels.items()) if k not in _SKIP_LABELS]
    if not matchers:
        raise InvalidInput(f"alert {alert.id} has no labels to silence on")
    return {"matchers": matchers, "startsAt": now,
            "endsAt": to_iso(parse_utc(now) + duration), "createdBy": author, "comment": reason}


def create_silence(url: str, body: dict[str, Any], *, timeout: float = 10.0, client: Any = None) -> str:
    """POST the silence; returns its id, or a clear error."""
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=3.0))
    target = url.rstrip("/") + "/api/v2/silences"
    try:
        response = client.post(target, json=body)
    except httpx.HTTPError as exc:
        raise FiredeskError(f"cannot reach Alertmanager at {url}: {type(exc).__name__}") from exc
    finally:
        if own:
            client.close()
    if response.status_code != 200:
        raise FiredeskError(f"Alertmanager refused the silence: HTTP {response.status_code} "
                            f"{response.text[:200]}")
    try:
        return str(response.json()["silenceID"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FiredeskError("Alertmanager answered without a silenceID") from exc


def silence_alert(store: Any, alert: AlertRow, url: str, duration: timedelta, *, reason: str,
                  author: str) -> AlertRow:
    """Create the silence in Alertmanager, then record it on the alert and the timeline."""
    from firedesk.intake.triage import record_silence

    if alert.source != "alertmanager":
        raise InvalidInput(f"alert {alert.id} comes from {alert.source}; only Alertmanager "
                           "alerts can be silenced from here")
    if not reason or not reason.strip():
        raise InvalidInput("a silence needs a reason; nothing was sent")
    body = silence_body(alert, now=store.now(), duration=duration, author=author, reason=reason)
    silence_id = create_silence(url, body)
    return record_silence(store, alert, silence_id, until=body["endsAt"], reason=reason,
                          author=author, url=url)
