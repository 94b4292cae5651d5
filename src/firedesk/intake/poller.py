"""`firedesk poll alertmanager URL`: read `GET /api/v2/alerts` on an interval (httpx).

Explicit timeouts, exponential backoff with jitter on failure, and every attempt's
outcome kept in `alert_polls` so `firedesk doctor` and the console can show a poller
that has stopped getting through. Alerts this URL reported before and no longer lists
have resolved (Alertmanager drops resolved alerts from the API).
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from typing import Any, Callable

from firedesk.clock import parse_utc
from firedesk.errors import FiredeskError, StoreError
from firedesk.intake.alert import Alert, MalformedPayload, Parsed, UnrecognisedPayload
from firedesk.intake.detect import decode_json
from firedesk.intake.sources.alertmanager import is_api_list, parse_api_list
from firedesk.intake.storage import Recorded, _store
from firedesk.store.store import Store

MAX_BACKOFF = 300.0
STALE_AFTER_INTERVALS = 5


@dataclass
class PollStatus:
    url: str
    interval_seconds: float
    last_attempt: str | None
    last_success: str | None
    failures: int
    last_error: str | None


def alerts_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith("/api/v2/alerts") else base + "/api/v2/alerts"


def fetch_alerts(url: str, *, client: Any = None, timeout: float = 10.0) -> bytes:
    """One GET with explicit connect/read timeouts; a clear error for anything but 200."""
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=min(3.0, timeout)))
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except httpx.TimeoutException as exc:
        raise FiredeskError(f"{url}: timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FiredeskError(f"{url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            client.close()
    if response.status_code != 200:
        raise FiredeskError(f"{url}: HTTP {response.status_code}")
    return response.content


def _note_attempt(store: Store, url: str, interval: float, error: str | None) -> None:
    with store.write() as conn:
        now = store.now()
        conn.execute(
            "INSERT INTO alert_polls (url, interval_seconds, last_attempt, last_success, failures, "
            "last_error) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "interval_seconds = excluded.interval_seconds, last_attempt = excluded.last_attempt, "
            "last_success = coalesce(excluded.last_success, last_success), "
            "failures = CASE WHEN excluded.last_error IS NULL THEN 0 ELSE failures + 1 END, "
            "last_error = excluded.last_error",
            (url, interval, now, None if error else now, 0 if error is None else 1, error))


def record_poll(store: Store, url: str, raw: bytes, interval: float) -> Recorded:
    """Store one poll result; alerts from this URL that vanished are resolved.

    An answer identical to the previous one is not stored again (nothing changed); any
    other answer is a delivery of its own, even if the same body was seen long ago.
    """
    body = decode_json(raw)
    if body != [] and not is_api_list(body):
        raise UnrecognisedPayload(f"{url} did not answer with an Alertmanager API v2 alert list")
    parsed = parse_api_list(body, now=store.now()) if body else Parsed("alertmanager", [])
    listed = {a.dedup_key for a in parsed.alerts}
    digest = hashlib.sha256(raw).hexdigest()
    with store.write() as conn:
        now = store.now()
        parsed.delivery_id = f"poll:{digest}@{now}"
        previous = conn.execute("SELECT last_body_sha FROM alert_polls WHERE url = ?", (url,)).fetchone()
        if previous and previous[0] == digest:
            conn.execute("UPDATE alert_polls SET interval_seconds = ?, last_attempt = ?, "
                         "last_success = ?, failures = 0, last_error = NULL WHERE url = ?",
                         (interval, now, now, url))
            return Recorded("alertmanager", duplicate=True)
        gone = conn.execute(
            "SELECT a.dedup_key, a.title FROM alerts a JOIN alert_deliveries d ON d.id = a.last_delivery "
            "WHERE a.source = 'alertmanager' AND a.status = 'firing' AND d.via = 'poll' "
            "AND d.origin = ?", (url,)).fetchall()
        for key, title in gone:
            if key not in listed:
                parsed.alerts.append(Alert("alertmanager", key, title, status="resolved",
                                           ends_at=now, at=now, resolved_at=now, observed=True))
        result = _store(conn, parsed, raw, now, via="poll", origin=url, headers=None,
                        content_type="application/json")
        conn.execute(
            "INSERT INTO alert_polls (url, interval_seconds, last_attempt, last_success, "
            "last_body_sha) VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "interval_seconds = excluded.interval_seconds, last_attempt = excluded.last_attempt, "
            "last_success = excluded.last_success, failures = 0, last_error = NULL, "
            "last_body_sha = excluded.last_body_sha",
            (url, interval, now, now, digest))
    return result


def poll_once(store: Store, url: str, interval: float, *, client: Any = None) -> Recorded:
    """Fetch and store once; a failure is noted in `alert_polls` and raised."""
    try:
        raw = fetch_alerts(url, client=client, timeout=min(10.0, max(1.0, interval)))
        return record_poll(store, url, raw, interval)
    except (MalformedPayload, UnrecognisedPayload) as exc:
        _note_attempt(store, url, interval, str(exc))
        raise
    except StoreError:
        raise
    except FiredeskError as exc:
        _note_attempt(store, url, interval, str(exc))
        raise


def backoff(failures: int, interval: float) -> float:
    """interval × 2^failures, capped at 5 minutes, with ±20 % jitter."""
    delay = min(MAX_BACKOFF, interval * (2 ** min(failures, 10)))
    return delay * random.uniform(0.8, 1.2)


def poll_forever(store: Store, url: str, interval: float, *,
                 report: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll until interrupted, backing off while the source is unreachable."""
    failures = 0
    while True:
        try:
            result = poll_once(store, url, interval)
            failures = 0
            if not result.duplicate and (result.new or result.resolved or result.refired):
                report(f"{url}: {result.new} new, {result.resolved} resolved, "
                       f"{result.refired} re-fired")
        except FiredeskError as exc:
            failures += 1
            report(f"poll failed ({failures} in a row): {exc}")
        sleep(backoff(failures, interval) if failures else interval)


def poll_statuses(store: Store) -> list[PollStatus]:
    return [PollStatus(**dict(r)) for r in store.query(
        "SELECT url, interval_seconds, last_attempt, last_success, failures, last_error "
        "FROM alert_polls ORDER BY url")]


def poll_problems(store: Store) -> list[str]:
    """Human sentences about pollers that are failing or have gone quiet."""
    problems = []
    now = parse_utc(store.now())
    for status in poll_statuses(store):
        if status.failures:
            problems.append(f"alert poll of {status.url} failing ({status.failures} in a row): "
                            f"{status.last_error}")
        elif status.last_attempt:
            quiet = (now - parse_utc(status.last_attempt)).total_seconds()
            if quiet > STALE_AFTER_INTERVALS * status.interval_seconds and quiet > 60:
                problems.append(f"alert poll of {status.url} has not run for {int(quiet // 60)} "
                                "min (is `firedesk poll` still running?)")
    return problems


