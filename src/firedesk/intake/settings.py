"""The `[receiver]` section of firedesk.toml: tokens, secrets, limits, generic mappings.

```toml
[receiver]
token = "..."                  # bearer token (or basic-auth password) for every /hooks/ path
max_body = "2MiB"              # larger bodies get 413
busy_timeout = "5s"            # how long a write waits for the lock before answering 503
header_timeout = "10s"         # a client that has not sent its headers by then is dropped
body_timeout = "30s"           # the whole body must have arrived by then (else 408)
max_connections = 256          # concurrent connections; a few more may only ask /healthz
[receiver.sources.pagerduty]
secret = "..."                 # HMAC for X-PagerDuty-Signature (a list rotates secrets)
[receiver.sources.sentry]
secret = "..."                 # client secret for Sentry-Hook-Signature
[receiver.sources.grafana]
secret = "..."                 # HMAC; header X-Grafana-Alerting-Signature or -Alert-
timestamp_header = "X-Grafana-Alerting-Signature-Timestamp"   # optional
[receiver.sources.alertmanager]
url = "http://127.0.0.1:9093"  # for creating silences
token = "..."                  # a token for this source only
allow_unauthenticated = false  # true: accept requests with no credentials at all
```
Read once, at load (`parse_receiver`); any problem is reported, what is valid still applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from firedesk.config import Config, Loading
from firedesk.intake.sources import BUILTIN_SOURCES
from firedesk.intake.sources.generic import GenericMapping, mapping_from_config

DEFAULT_MAX_BODY = 2 * 1024 * 1024
DEFAULT_BUSY_TIMEOUT = 5.0
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 256
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024, "m": 1000**2,
          "mb": 1000**2, "mib": 1024**2, "mi": 1024**2, "g": 1000**3, "gb": 1000**3,
          "gib": 1024**3, "gi": 1024**3}
_SOURCE_KEYS = {"token", "secret", "url", "allow_unauthenticated", "signature_header",
                "timestamp_header"}


@dataclass(frozen=True)
class SourceSettings:
    """Credentials and endpoints for one source."""

    token: str | None = None
    secrets: tuple[str, ...] = ()
    url: str | None = None
    allow_unauthenticated: bool = False
    signature_header: str | None = None
    timestamp_header: str | None = None


@dataclass(frozen=True)
class ReceiverSettings:
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    sources: dict[str, SourceSettings] = field(default_factory=dict)
    generic: dict[str, GenericMapping] = field(default_factory=dict)

    def source(self, name: str) -> SourceSettings:
        return self.sources.get(name) or SourceSettings()

    @property
    def known_sources(self) -> tuple[str, ...]:
        return BUILTIN_SOURCES + tuple(self.generic)


def parse_size(value: Any) -> int | None:
    """`2MiB`, `512KB`, `1048576` → bytes; None if unreadable."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    match = _SIZE.match(value)
    if not match or (match.group(2) or "").lower() not in _UNITS:
        return None
    size = int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])
    return size if size > 0 else None


def parse_seconds(value: Any) -> float | None:
    """`5s`, `250ms`, `1m` or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$", value)
        if match:
            number = float(match.group(1))
            return {"ms": number / 1000, "m": number * 60}.get(match.group(2) or "s", number)
    return None


def _secret_tuple(loading: Loading, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    loading.problem(where, "must be a non-empty string (or a list of them, to rotate)")
    return ()


def _source_settings(loading: Loading, where: str, table: dict[str, Any]) -> SourceSettings:
    values: dict[str, Any] = {}
    for key in table:
        if key not in _SOURCE_KEYS and where.startswith("receiver.sources"):
            loading.problem(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(_SOURCE_KEYS))})")
    for key in ("token", "url", "signature_header", "timestamp_header"):
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            loading.problem(f"{where}.{key}", "must be a non-empty string")
            continue
        if key == "url" and not re.match(r"^https?://", value):
            loading.problem(f"{where}.url", "must start with http:// or https://")
            continue
        values[key] = value.rstrip("/") if key == "url" else value
    values["secrets"] = _secret_tuple(loading, f"{where}.secret", table.get("secret"))
    allow = table.get("allow_unauthenticated", False)
    if isinstance(allow, bool):
        values["allow_unauthenticated"] = allow
    else:
        loading.problem(f"{where}.allow_unauthenticated", "must be true or false")
    return SourceSettings(**values)


def receiver_settings(config: Config) -> ReceiverSettings:
    """The `[receiver]` settings read at load."""
    return config.receiver


def parse_receiver(loading: Loading) -> ReceiverSettings:
    """Read `[receiver]` once, at load."""
    settings: dict[str, Any] = {"sources": {}, "generic": {}}
    section = loading.section("receiver")
    if section is None:
        return ReceiverSettings()
    if not isinstance(section, dict):
        loading.problem("receiver", "must be a table")
        return ReceiverSettings()
    token = section.get("token")
    if token is not None:
        if isinstance(token, str) and token:
            settings["token"] = token
        else:
            loading.problem("receiver.token", "must be a non-empty string")
    if "max_body" in section:
        size = parse_size(section["max_body"])
        if size is None:
            loading.problem("receiver.max_body", "must be a size like \"2MiB\" or a byte count")
        else:
            settings["max_body"] = size
    if "busy_timeout" in section:
        seconds = parse_seconds(section["busy_timeout"])
        if seconds is None:
            loading.problem("receiver.busy_timeout", "must be a duration like \"5s\" or \"250ms\"")
        else:
            settings["busy_timeout"] = seconds
    for key in ("header_timeout", "body_timeout"):
        if key in section:
            seconds = parse_seconds(section[key])
            if not seconds:
                loading.problem(f"receiver.{key}", "must be a duration above zero like \"10s\"")
            else:
                settings[key] = seconds
    if "max_connections" in section:
        cap = section["max_connections"]
        if isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1:
            settings["max_connections"] = cap
        else:
            loading.problem("receiver.max_connections", "must be a whole number of at least 1")
    generic = section.get("generic", {})
    if not isinstance(generic, dict):
        loading.problem("receiver.generic", "must be a table of named mappings")
        generic = {}
    for name, table in generic.items():
        if name in BUILTIN_SOURCES or name in ("auto", "generic"):
            loading.problem(f"receiver.generic.{name}", "this name is taken by a built-in source")
            continue
        if not re.match(r"^[A-Za-z0-9_-]+$", name):
            loading.problem(f"receiver.generic.{name}", "names may use letters, digits, - and _")
            continue
        mapping = mapping_from_config(name, table, loading.problem)
        if mapping:
            settings["generic"][name] = mapping
            if isinstance(table, dict):
                settings["sources"][name] = _source_settings(loading, f"receiver.generic.{name}", table)
    sources = section.get("sources", {})
    if not isinstance(sources, dict):
        loading.problem("receiver.sources", "must be a table of [receiver.sources.NAME]")
        sources = {}
    known = BUILTIN_SOURCES + tuple(settings["generic"])
    for name, table in sources.items():
        where = f"receiver.sources.{name}"
        if name not in known:
            loading.problem(where, f"unknown source (known: {', '.join(known)})")
            continue
        if not isinstance(table, dict):
            loading.problem(where, "must be a table")
            continue
        settings["sources"][name] = _source_settings(loading, where, table)
    for key in section:
        if key not in ("token", "max_body", "busy_timeout", "header_timeout", "body_timeout",
                       "max_connections", "sources", "generic"):
            loading.problem(f"receiver.{key}", "unknown key")
    return ReceiverSettings(**settings)
