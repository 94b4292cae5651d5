"""How commands print: JSON for tools, short aligned text for people (always sanitised)."""

from __future__ import annotations

import json
import sys
from datetime import tzinfo
from typing import Any, Iterable, Sequence

import click

from firedesk.clock import show_time
from firedesk.text import one_line


def emit_json(data: Any) -> None:
    """Pretty, stable JSON on stdout (keys sorted, non-ASCII kept, controls escaped by json)."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def local_time(stored: str | None, zone: tzinfo, with_date: bool = False) -> str:
    """A stored UTC time in `zone`, labelled: `14:02 UTC` or `2026-11-22 14:02 IST`."""
    if not stored:
        return "-"
    return show_time(stored, zone, date=with_date)


def safe(text: Any, limit: int | None = None) -> str:
    """Record text made terminal-safe for plain output."""
    return one_line("" if text is None else str(text), limit)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    """A plain aligned table; every cell passes through `safe`."""
    cells = [[safe(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    out = sys.stdout
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), file=out)
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
