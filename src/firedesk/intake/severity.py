"""Every source's idea of severity, mapped onto critical | high | medium | low | info."""

from __future__ import annotations

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

_WORDS = {
    "critical": ("critical", "crit", "fatal", "emergency", "emerg", "alert", "page",
                 "disaster", "p1", "sev1", "sev-1", "sev 1", "1"),
    "high": ("high", "error", "err", "major", "urgent", "p2", "sev2", "sev-2", "sev 2", "2"),
    "medium": ("medium", "warning", "warn", "moderate", "average", "p3", "sev3", "sev-3",
               "sev 3", "3"),
    "low": ("low", "minor", "p4", "sev4", "sev-4", "sev 4", "4"),
    "info": ("info", "informational", "information", "notice", "debug", "ok", "none",
             "success", "p5", "sev5", "sev-5", "sev 5", "5"),
}
_LOOKUP = {word: level for level, words in _WORDS.items() for word in words}


def normalise_severity(raw: str | None, default: str = "medium") -> str:
    """`critical`/`P1`/`fatal` → critical, `warning` → medium, …; unknown → `default`."""
    if not raw:
        return default
    return _LOOKUP.get(raw.strip().lower(), default)


def severity_rank(level: str) -> int:
    """0 for critical … 4 for info (for sorting)."""
    try:
        return SEVERITY_ORDER.index(level)
    except ValueError:
        return len(SEVERITY_ORDER)
