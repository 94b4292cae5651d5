"""Every kind of entry the code writes has a short label in the timeline's kind column,
so none is cut to `drill.re…` and the columns stay aligned."""

from __future__ import annotations

import re
from pathlib import Path

from firedesk.widgets.timeline import KIND_LABELS

SRC = Path(__file__).resolve().parent.parent / "src" / "firedesk"
# What a parser calls a delivery that carries no alert: never an event on a timeline.
DELIVERY_KINDS = {"ignored", "subscription"}


def written_kinds() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        found |= set(re.findall(r"""\bkind=["']([a-z][a-z._-]*)["']""", path.read_text()))
    return found - DELIVERY_KINDS


def test_every_kind_written_has_a_label_of_at_most_eight_columns():
    kinds = written_kinds()
    assert {"note", "drill.replay", "alert.take", "alert.detach"} <= kinds   # the scan works
    assert sorted(k for k in kinds if k not in KIND_LABELS) == []
    assert [label for label in KIND_LABELS.values() if len(label) > 8] == []
