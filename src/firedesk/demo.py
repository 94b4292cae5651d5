"""The demo: a realistic record to explore, and a simulated stream that keeps it live.

`build_demo` writes an ongoing SEV2 with roles and a believable timeline, a few resolved
incidents and a team spread over several timezones (a demo firedesk.toml beside the
record). `simulate_stream` writes new entries while the console runs; it is one small
function so it can switch to real alert intake when that lands.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from firedesk.clock import system_clock, to_iso
from firedesk.config import Config, load_config
from firedesk.errors import InvalidInput
from firedesk.store import (
    Store, add_entry, assign_role, declare_incident, list_incidents, resolve_incident, set_severity,
    set_status,
)

DEMO_CONFIG = '''\
# The firedesk demo team (written by `firedesk demo`).
[[people]]
name = "Priya"
timezone = "Asia/Kolkata"
waking_hours = "08:00-23:00"
phone = "+91 98000 00001"
chat = "@priya"

[[people]]
name = "Marco"
timezone = "Europe/Rome"
waking_hours = "07:00-23:00"
phone = "+39 320 000 0002"
chat = "@marco"

[[people]]
name = "Dana"
timezone = "America/New_York"
waking_hours = "06:30-23:30"
phone = "+1 212 555 0103"
chat = "@dana"

[[people]]
name = "Kenji"
timezone = "Asia/Tokyo"
waking_hours = "08:00-24:00"
chat = "@kenji"

[[people]]
name = "Sam"
timezone = "Europe/London"
waking_hours = "07:00-23:00"
email = "sam@example.com"
chat = "@sam"

[[teams]]
name = "payments"
members = ["Priya", "Marco", "Dana", "Kenji"]
tech_lead = "Marco"

[[services]]
name = "checkout-api"
team = "payments"
runbook = "https://runbooks.example/checkout-api"

[[rotations]]
name = "payments-primary"
team = "payments"
layer = "primary"
members = ["Priya", "Marco", "Dana", "Kenji"]
start = "2026-11-03"
handoff = "tuesday 09:00"
timezone = "Europe/Rome"
length = "1w"

[[rotations]]
name = "payments-secondary"
team = "payments"
layer = "secondary"
members = ["Priya", "Marco", "Dana", "Kenji"]
start = "2026-11-03"
handoff = "tuesday 09:00"
timezone = "Europe/Rome"
length = "1w"
offset = 1

[[duty_roles]]
name = "incident-manager"
members = ["Sam"]

[[escalation]]
service = "checkout-api"
tiers = [
  { targets = ["rotation:payments-primary"], wait = "10m" },
  { targets = ["rotation:payments-secondary", "role:incident-manager"], wait = "15m" },
  { targets = ["team:payments"] },
]
'''

# The ongoing incident, minute by minute from its declaration: (minute, author, kind, text).
ONGOING = [
    (2, "Dana", "note", "Paged by checkout-api p99 > 2s; error rate 4.8% and climbing."),
    (4, "Dana", "note", "Grafana: latency jump lines up with the 02:50 deploy window."),
    (6, "Marco", "hypothesis", "Connection pool exhaustion on payments-db after the deploy."),
    (9, "Marco", "action", "Checking pg_stat_activity on payments-db-1."),
    (12, "Marco", "note", "412 idle-in-transaction connections from checkout-api pods."),
    (14, "Priya", "hypothesis", "New ORM version keeps transactions open across the retry loop."),
    (17, "Dana", "decision", "Roll back checkout-api to v2024.11.3; hold all deploys."),
    (18, "Sam", "update", "Checkout is degraded: about 5% of card payments fail. Rollback under "
                          "way; next update in 30 minutes."),
    (23, "Kenji", "action", "Rollback started: 12 of 40 pods on v2024.11.3."),
    (29, "Kenji", "note", "Rollback at 40/40. p99 back to 900ms, errors 0.6%."),
    (33, "Marco", "note", "Idle connections draining; 96 left on payments-db-1."),
    (38, "Priya", "hypothesis", "Residual errors come from the stuck payment-retry queue."),
]

PAST = [
    ("Search results empty for EU users", "SEV3", "search", "Marco", 3, [
        ("Marco", "note", "Index alias pointed at the half-built reindex."),
        ("Marco", "action", "Pointed alias back to search-2026-11-01."),
    ]),
    ("Login outage: SSO certificate expired", "SEV1", "auth", "Dana", 9, [
        ("Dana", "note", "All SSO logins fail with certificate errors."),
        ("Sam", "update", "Nobody can log in; we know why and are fixing it."),
        ("Kenji", "action", "Rotated the IdP signing certificate."),
        ("Dana", "decision", "Add certificate expiry to the on-call dashboard."),
    ]),
    ("Nightly export job late", "SEV4", "reports", "Kenji", 15, [
        ("Kenji", "note", "Export ran 3h late after the storage migration."),
    ]),
]

# What responders write while the demo runs; alerts arrive between them (see below).
STREAM = [
    ("Marco", "note", "Retry workers scaled 4 → 12; queue draining ~300/min."),
    ("Priya", "hypothesis", "Duplicate retries? Check idempotency keys on replayed payments."),
    ("Kenji", "action", "Spot-checking 20 replayed payments for double charges."),
    ("Kenji", "note", "No double charges in the sample; idempotency keys hold."),
]


@dataclass
class DemoRecord:
    path: Path
    config_path: Path
    config: Config
    incident_id: int

    @property
    def incident_key(self) -> str:
        return f"INC-{self.incident_id}"


class _DemoClock:
    """A clock the builder sets before each write, so the record reads like real time."""

    def __init__(self) -> None:
        self.at = system_clock()

    def __call__(self) -> datetime:
        return self.at


def demo_path(explicit: str | None) -> Path:
    """`--db PATH`, else the demo's own file under the user's data directory."""
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "firedesk" / "demo" / "demo.db"


def build_demo(path: Path, *, actor: str, fresh: bool) -> DemoRecord:
    """Write the demo record at `path`. `fresh`: replace an earlier demo file; otherwise
    the file must be new (a demo never writes into someone's real record)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif path.exists() and path.stat().st_size:
        with Store(path) as existing:
            if list_incidents(existing, limit=1):
                raise InvalidInput(f"{path} already holds a record; the demo only builds into "
                                   "a new file (pick another --db, or leave --db out)")
    config_path = path.with_name(path.stem + ".toml")
    config_path.write_text(DEMO_CONFIG)
    config = load_config(config_path)
    clock = _DemoClock()
    now = clock.at
    with Store(path, clock=clock) as store:
        for title, severity, service, lead, days_ago, entries in PAST:
            start = now - timedelta(days=days_ago, hours=2)
            clock.at = start
            incident = declare_incident(store, title, severity=severity, service=service, author=lead)
            assign_role(store, incident, "leader", lead, author=lead)
            for step, (author, kind, text) in enumerate(entries, 1):
                clock.at = start + timedelta(minutes=7 * step)
                add_entry(store, incident, text, author=author, kind=kind)
            clock.at = start + timedelta(minutes=7 * len(entries) + 20)
            set_status(store, incident, "resolved", author=lead)
        start = now - timedelta(minutes=41)
        clock.at = start
        incident = declare_incident(store, "Checkout failing for ~5% of card payments",
                                    severity="SEV3", service="checkout-api", author="Dana")
        clock.at = start + timedelta(minutes=1)
        seed_alerts(store, incident.id)
        roles = {1: ("leader", "Dana"), 3: ("investigator", "Marco"), 13: ("investigator", "Priya"),
                 16: ("communications", "Sam"), 21: ("investigator", "Kenji"), 22: ("scribe", actor)}
        for minute, author, kind, text in ONGOING:
            for role_minute in [m for m in sorted(roles) if m <= minute]:
                role, person = roles.pop(role_minute)
                clock.at = start + timedelta(minutes=role_minute)
                assign_role(store, incident, role, person, author="Dana",
                            shared=role == "investigator")
            if minute == 6:
                clock.at = start + timedelta(minutes=5)
                set_severity(store, incident, "SEV2", author="Dana")
            if minute == 14:
                clock.at = start + timedelta(minutes=13)
                set_status(store, incident, "identified", author="Dana")
            clock.at = start + timedelta(minutes=minute)
            add_entry(store, incident, text, author=author, kind=kind)
        clock.at = start + timedelta(minutes=40)
        add_entry(store, incident, "Said on the bridge: retry queue flagged by support first.",
                  author="Sam", kind="note", at=to_iso(start + timedelta(minutes=8)))
        set_status(store, incident, "monitoring", author="Dana")
        incident_id = incident.id
    return DemoRecord(path, config_path, config, incident_id)


def write_stream_entry(store: Store, incident_id: int, step: int) -> None:
    """One simulated arrival: mostly an Alertmanager webhook stored exactly as `firedesk
    receive` would store it, and every third step a responder's entry on the incident."""
    from firedesk.intake.simulate import feed_demo_alert

    if step % 3 == 2:
        author, kind, text = STREAM[(step // 3) % len(STREAM)]
        add_entry(store, resolve_incident(store, incident_id), text, author=author, kind=kind)
    else:
        feed_demo_alert(store, step)


def seed_alerts(store: Store, incident_id: int) -> None:
    """The alerts already in when the demo opens; the checkout one is on the incident."""
    from firedesk.intake.simulate import DEMO_ALERTS, feed_demo_alert
    from firedesk.intake.triage import ack_alert, attach_alert, find_alert

    for step in range(len(DEMO_ALERTS)):
        feed_demo_alert(store, step)
    checkout = find_alert(store, DEMO_ALERTS[0][0] + "0")
    attach_alert(store, checkout, resolve_incident(store, incident_id), author="Dana")
    ack_alert(store, checkout, author="Dana")


def simulate_stream(path: Path, incident_id: int, stop: threading.Event,
                    pause: tuple[float, float] = (4.0, 9.0)) -> None:
    """Until `stop` is set, write an entry every few seconds through its own connection."""
    with Store(path) as store:
        step = 0
        while not stop.wait(random.uniform(*pause)):
            try:
                write_stream_entry(store, incident_id, step)
            except Exception:  # noqa: BLE001 (the demo stream must never crash the console)
                continue
            step += 1
