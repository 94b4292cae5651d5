"""Paging someone: the timeline records who was paged and how; optionally a real
PagerDuty Events API v2 trigger is sent and its answer recorded too.

The record never depends on the paging SaaS: the "paged" event is written whether or not
PagerDuty answers, and a failed send is recorded as such (one line, kept on the timeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firedesk.config import Person
from firedesk.errors import FiredeskError, InvalidInput
from firedesk.model import Event, Incident
from firedesk.oncall.model import PagerDutySettings

CONTACT_KINDS = ("phone", "chat", "email")  # the order a 3 a.m. page tries them


@dataclass(frozen=True)
class PageAnswer:
    """What PagerDuty said: ok when it accepted the event (HTTP 202)."""

    ok: bool
    status: int | None
    message: str
    dedup_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "message": self.message,
                "dedup_key": self.dedup_key}


def choose_contact(person: Person, via: str | None) -> tuple[str, str | None]:
    """(how, address): `via` names a contact kind the person has, or is free text."""
    contacts = person.contacts()
    if via is None:
        for kind in CONTACT_KINDS:
            if kind in contacts:
                return kind, contacts[kind]
        raise InvalidInput(f"{person.name} has no phone, chat or email in the config; "
                           "say how you paged them with --via")
    wanted = via.strip()
    if not wanted:
        raise InvalidInput("--via is empty; name a contact (phone, chat, email) or how you paged them")
    if wanted.lower() in contacts:
        return wanted.lower(), contacts[wanted.lower()]
    if wanted.lower() in CONTACT_KINDS:
        have = ", ".join(contacts) or "none"
        raise InvalidInput(f"{person.name} has no {wanted.lower()} in the config (contacts: {have})")
    return wanted, None


def page_text(person: str, how: str, address: str | None) -> str:
    return f"paged {person} via {how}" + (f" {address}" if address else "")


def record_page(store, incident: Incident, person: Person, *, author: str,  # noqa: ANN001
                via: str | None = None, answer: PageAnswer | None = None) -> Event:
    """Append "paged PERSON via CONTACT" to the incident's timeline (kind `paged`)."""
    from firedesk.store import append_event

    how, address = choose_contact(person, via)
    data: dict[str, Any] = {"person": person.name, "via": how, "address": address}
    text = page_text(person.name, how, address)
    if answer is not None:
        data["pagerduty"] = answer.to_json()
        text += (f"; PagerDuty accepted the trigger ({answer.dedup_key})" if answer.ok
                 else f"; PagerDuty trigger failed: {answer.message}")
    with store.write():
        return append_event(store, incident_id=incident.id, kind="paged", author=author,
                            text=text, data=data)


def trigger_payload(settings: PagerDutySettings, routing_key: str, incident: Incident,
                    person: str) -> dict[str, Any]:
    """An Events API v2 trigger for the incident, deduplicated per incident and person."""
    severity = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning"}.get(incident.severity, "info")
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"firedesk-{incident.key}-{person}"[:255],
        "payload": {
            "summary": f"{incident.key} {incident.severity}: {incident.title} (paging {person})"[:1024],
            "source": settings.source,
            "severity": severity,
            "component": incident.service or None,
            "custom_details": {"incident": incident.key, "status": incident.status,
                               "paged": person},
        },
        "client": "firedesk",
    }


def send_trigger(settings: PagerDutySettings, routing_key: str | None, incident: Incident,
                 person: str) -> PageAnswer:
    """POST the trigger; every failure becomes a PageAnswer (never an exception)."""
    import httpx

    if not routing_key:
        raise FiredeskError("no PagerDuty routing key: set routing_key in [oncall.pagerduty] "
                            "or pagerduty_routing_key on the service")
    body = trigger_payload(settings, routing_key, incident, person)
    body["payload"] = {k: v for k, v in body["payload"].items() if v is not None}
    try:
        response = httpx.post(settings.events_url, json=body, timeout=settings.timeout_seconds)
    except httpx.HTTPError as exc:
        return PageAnswer(False, None, f"could not reach {settings.events_url}: {exc.__class__.__name__}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    message = str(answer.get("message") or answer.get("status") or response.reason_phrase)[:200]
    if response.status_code == 202:
        return PageAnswer(True, 202, message, str(answer.get("dedup_key") or body["dedup_key"]))
    if response.status_code == 429:
        message = "rate limited by PagerDuty (429); try again in a minute"
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        message += ": " + "; ".join(str(e) for e in errors)[:200]
    return PageAnswer(False, response.status_code, f"HTTP {response.status_code} {message}")


def routing_key_for(settings: PagerDutySettings, service_key: str | None) -> str | None:
    return service_key or settings.routing_key
