"""Which source sent a body (headers first, then its shape), and reading it with that parser."""

from __future__ import annotations

import json
from typing import Any

from firedesk.intake.alert import Headers, MalformedPayload, Parsed, UnrecognisedPayload
from firedesk.intake.sources import PARSERS
from firedesk.intake.sources.generic import GenericMapping, parse_with

_HEADER_HINTS = (
    ("x-pagerduty-signature", "pagerduty"),
    ("sentry-hook-resource", "sentry"),
    ("sentry-hook-signature", "sentry"),
    ("x-amz-sns-message-type", "cloudwatch"),
    ("x-grafana-alerting-signature", "grafana"),
    ("x-grafana-alert-signature", "grafana"),
)
_AGENT_HINTS = (("alertmanager/", "alertmanager"), ("grafana", "grafana"))


def decode_json(raw: bytes | str) -> Any:
    """The body as JSON, or MalformedPayload with the reason (line and column)."""
    if isinstance(raw, bytes) and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not (raw.strip() if isinstance(raw, (bytes, str)) else raw):
        raise MalformedPayload("the body is empty")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise MalformedPayload("the body is not UTF-8 text") from exc
    except RecursionError as exc:
        raise MalformedPayload("malformed JSON: nested too deeply") from exc
    except ValueError as exc:
        raise MalformedPayload(f"malformed JSON: {exc}") from exc


def source_from_headers(headers: Headers) -> str | None:
    for header, source in _HEADER_HINTS:
        if headers.get(header) is not None:
            return source
    agent = (headers.get("user-agent") or "").lower()
    for prefix, source in _AGENT_HINTS:
        if agent.startswith(prefix):
            return source
    return None


def source_from_body(body: Any) -> str | None:
    for name, module in PARSERS.items():
        try:
            if module.looks_like(body):
                return name
        except Exception:  # noqa: BLE001 — a hostile body must never break detection
            continue
    return None


def detect_source(body: Any, headers: Headers | None = None) -> str:
    """The source of a delivery, or UnrecognisedPayload naming what was expected."""
    found = source_from_headers(headers or Headers()) or source_from_body(body)
    if found is None:
        raise UnrecognisedPayload(
            "no parser recognises this body (not Alertmanager, Grafana, PagerDuty, Sentry, "
            "Datadog, Opsgenie or CloudWatch/SNS); post to /hooks/<source> or use --source")
    return found


def parse_body(body: Any, source: str, headers: Headers | None = None, *,
               generic: dict[str, GenericMapping] | None = None, now: str | None = None) -> Parsed:
    """Read an already-decoded body as `source` (`auto` detects it)."""
    headers = headers or Headers()
    generic = generic or {}
    if source in ("auto", "", None):
        source = detect_source(body, headers)
    elif source == "generic":
        if len(generic) != 1:
            raise UnrecognisedPayload(
                "`generic` needs exactly one [receiver.generic.NAME] mapping in config; "
                f"name one instead (configured: {', '.join(generic) or 'none'})")
        source = next(iter(generic))
    try:
        if source in generic:
            parsed = parse_with(generic[source], body)
        elif source in PARSERS:
            parsed = PARSERS[source].parse(body, headers, now=now)
        else:
            raise UnrecognisedPayload(f"unknown source {source!r}")
    except UnrecognisedPayload:
        raise
    except RecursionError as exc:
        raise UnrecognisedPayload(f"cannot read this {source} body: nested too deeply") from exc
    except Exception as exc:  # noqa: BLE001 — parsers face hostile input; never crash on it
        raise UnrecognisedPayload(f"cannot read this {source} body ({type(exc).__name__})") from exc
    for alert in parsed.alerts:
        if not alert.dedup_key:
            raise UnrecognisedPayload(f"a {source} alert has no identity (dedup key)")
    return parsed


def parse_delivery(raw: bytes | str, source: str = "auto", headers: Any = None, *,
                   generic: dict[str, GenericMapping] | None = None,
                   now: str | None = None) -> Parsed:
    """Decode and read one delivery's raw body."""
    return parse_body(decode_json(raw), source, Headers(headers), generic=generic, now=now)
