"""Who may post alerts: bearer/basic tokens and per-source HMAC signatures.

Loopback is not a trust boundary on a shared host, so every request needs a credential
unless the config says `allow_unauthenticated = true` for that source. Every comparison
is constant-time (`hmac.compare_digest`) over the raw body bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass

from firedesk.intake.alert import Headers
from firedesk.intake.settings import ReceiverSettings

GRAFANA_HEADERS = ("X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature")
MAX_TIMESTAMP_SKEW = 300  # seconds, as Slack's signed requests do


@dataclass(frozen=True)
class Verdict:
    """`ok`, or why not: `missing` credentials (401) or `wrong` ones (403)."""

    ok: bool
    reason: str = ""
    missing: bool = False


def _bytes(value: str) -> bytes:
    return value.encode("utf-8", "replace")


def presented_token(headers: Headers) -> str | None:
    """The bearer token, or the password of basic auth (what Alertmanager and Grafana send)."""
    header = headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def token_matches(presented: str, tokens: list[str]) -> bool:
    found = False
    for token in tokens:  # no early exit: the time taken does not say which one matched
        found |= hmac.compare_digest(_bytes(presented), _bytes(token))
    return found


def hex_hmac_matches(raw: bytes, signature: str, secrets: tuple[str, ...], prefix: bytes = b"") -> bool:
    found = False
    for secret in secrets:
        expected = hmac.new(_bytes(secret), prefix + raw, hashlib.sha256).hexdigest()
        found |= hmac.compare_digest(_bytes(expected), _bytes(signature.strip().lower()))
    return found


def pagerduty_matches(raw: bytes, header: str, secrets: tuple[str, ...]) -> bool:
    """`X-PagerDuty-Signature: v1=<hex>,v1=<hex>`: valid when any entry matches any secret."""
    signatures = [s.strip()[3:] for s in header.split(",") if s.strip().startswith("v1=")]
    found = False
    for signature in signatures:
        found |= hex_hmac_matches(raw, signature, secrets)
    return found


def _signature(source: str, headers: Headers, header_name: str | None) -> tuple[str | None, str]:
    """The signature header a source sends (value, name), if any."""
    if header_name:
        return headers.get(header_name), header_name
    names = {"pagerduty": ("X-PagerDuty-Signature",), "sentry": ("Sentry-Hook-Signature",),
             "grafana": GRAFANA_HEADERS}.get(source, ())
    for name in names:
        if headers.get(name) is not None:
            return headers.get(name), name
    return None, ""


def signature_source(headers: Headers) -> str | None:
    """Which source a signature header belongs to (for /hooks/auto before parsing)."""
    if headers.get("X-PagerDuty-Signature") is not None:
        return "pagerduty"
    if headers.get("Sentry-Hook-Signature") is not None:
        return "sentry"
    if any(headers.get(h) is not None for h in GRAFANA_HEADERS):
        return "grafana"
    return None


def check_signature(source: str, raw: bytes, headers: Headers, settings: ReceiverSettings,
                    now: float | None = None) -> Verdict | None:
    """A verdict when the source sent a signature we can check; None when there is none."""
    conf = settings.source(source)
    value, name = _signature(source, headers, conf.signature_header)
    if value is None or not conf.secrets:
        return None
    if source == "pagerduty":
        ok = pagerduty_matches(raw, value, conf.secrets)
    else:
        prefix = b""
        if conf.timestamp_header:
            stamp = headers.get(conf.timestamp_header) or ""
            try:
                skew = abs((now or time.time()) - int(stamp))
            except ValueError:
                return Verdict(False, f"{conf.timestamp_header} is missing or not a number")
            if skew > MAX_TIMESTAMP_SKEW:
                return Verdict(False, f"{conf.timestamp_header} is {int(skew)}s off (stale or replayed)")
            prefix = _bytes(stamp) + b":"
        ok = hex_hmac_matches(raw, value, conf.secrets, prefix)
    return Verdict(True) if ok else Verdict(False, f"{name} does not match the configured secret")


def authorise_headers(source: str | None, headers: Headers,
                      settings: ReceiverSettings) -> Verdict | None:
    """What the headers alone decide, before any of the body is read.

    None means the body is needed: a signature to check (HMAC sources, whose body is
    read bounded by `max_body` and `body_timeout`), or, for /hooks/auto without any
    credential, which source's `allow_unauthenticated` applies. A token, a wrong token
    or no credential at all is decided here, so an unauthenticated client never gets
    its body read into memory.
    """
    presented = presented_token(headers)
    tokens = [t for t in (settings.token, settings.source(source).token if source else None) if t]
    if presented is not None and tokens and token_matches(presented, tokens):
        return Verdict(True)
    if source:
        conf = settings.source(source)
        value, _ = _signature(source, headers, conf.signature_header)
        if value is not None and conf.secrets:
            return None
    if presented is not None:
        return Verdict(False, "the token does not match" if tokens else
                       "no token is configured for this source ([receiver] token)")
    if source and settings.source(source).allow_unauthenticated:
        return Verdict(True)
    if source is None and any(s.allow_unauthenticated for s in settings.sources.values()):
        return None
    return Verdict(False, "credentials required (bearer token, basic auth or a signature)",
                   missing=True)


def authorise(source: str | None, raw: bytes, headers: Headers, settings: ReceiverSettings,
              now: float | None = None) -> Verdict:
    """Token first, then the source's signature, then `allow_unauthenticated`."""
    presented = presented_token(headers)
    tokens = [t for t in (settings.token, settings.source(source).token if source else None) if t]
    if presented is not None and tokens and token_matches(presented, tokens):
        return Verdict(True)
    signed = check_signature(source, raw, headers, settings, now) if source else None
    if signed is not None:
        return signed
    if presented is not None:
        return Verdict(False, "the token does not match" if tokens else
                       "no token is configured for this source ([receiver] token)")
    if source and settings.source(source).allow_unauthenticated:
        return Verdict(True)
    return Verdict(False, "credentials required (bearer token, basic auth or a signature)",
                   missing=True)
