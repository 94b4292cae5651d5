"""The postmortem export: golden files for a recorded incident, determinism, JSON shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from review_story import record_checkout_incident

from firedesk.errors import InvalidInput, NotFound
from firedesk.review.export import build_postmortem, render
from firedesk.review.md import md
from firedesk.store import add_entry, declare_incident

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("FIREDESK_UPDATE_GOLDEN") == "1"


@pytest.fixture
def incident(store, clock):
    return record_checkout_incident(store, clock)


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; read the diff, then " \
        "rerun with FIREDESK_UPDATE_GOLDEN=1 if the change is intended"


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_export_matches_golden(store, incident, fmt):
    pm = build_postmortem(store, incident, zone="Europe/Berlin")
    _check_golden(f"postmortem-INC-1.{fmt}", render(pm, fmt))


def test_same_record_same_bytes(store, incident, clock):
    first = {f: render(build_postmortem(store, incident, zone="Europe/Berlin"), f)
             for f in ("md", "json", "html")}
    clock.advance(hours=5)  # the export never reads the clock
    again = {f: render(build_postmortem(store, incident, zone="Europe/Berlin"), f)
             for f in ("md", "json", "html")}
    assert first == again


def test_markdown_tells_the_story(store, incident):
    text = render(build_postmortem(store, incident, zone="Europe/Berlin"), "md")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == [
        "## Summary", "## Impact", "## Detection and response", "## Responders and roles",
        "## Timeline", "## Hypotheses", "## Decisions", "## Alerts involved", "## Checklist",
        "## Action items", "## For the review meeting"]
    assert "| 02:41\\* | 03:41 | chen (investigator) | **STARTED** **DETECTED** note:" in text
    assert "**MITIGATED** status investigating → monitoring: Rollback out" in text
    assert "| leader | ana | 2026-11-22 03:01 | 2026-11-22 03:55 | 54m |" in text
    assert "| document the rollback steps in the checkout runbook | **no owner** |" in text
    assert "| alertmanager | CheckoutHighErrorRate: 5xx above 5% for 5m | 1 | 3 |" in text
    assert "corrected by #10" in text and "corrects #9" in text
    assert text.rstrip().splitlines()[-1].startswith("Integrity: 28 events in INC-1 (last #29")


def test_json_shape(store, incident):
    data = json.loads(render(build_postmortem(store, incident, zone="Asia/Tokyo"), "json"))
    assert data["format"] == "firedesk-postmortem/1"
    assert data["key"] == "INC-1" and data["severity"] == "SEV1" and data["zone"] == "Asia/Tokyo"
    assert set(data["milestones"]) == {"started", "detected", "declared", "acknowledged",
                                       "first_update", "mitigated", "resolved"}
    assert data["milestones"]["detected"]["local"] == "2026-11-22T11:41:00+09:00"
    assert {i["name"]: i["seconds"] for i in data["intervals"]} == {
        "time to detect": 0, "time to acknowledge": 1260, "time to first update": 600,
        "time to mitigate": 2760, "time to resolve": 5340}
    assert [h["severity"] for h in data["severity_history"]] == ["SEV2", "SEV1"]
    assert [(t["role"], t["person"], t["holds_now"]) for t in data["tenures"]] == [
        ("leader", "ana", False), ("communications", "ben", True),
        ("investigator", "chen", True), ("leader", "ed", True)]
    entry = data["timeline"][0]
    assert set(entry) >= {"event_id", "at", "local", "kind", "author", "role", "text",
                          "headline", "phases", "backdated"}
    assert [(h["number"], h["state"]) for h in data["hypotheses"]] == [
        (1, "confirmed"), (2, "ruled-out")]
    assert [a["ref"] for a in data["action_items"]] == ["T2", "#25", "#26"]
    assert [a["owner"] for a in data["action_items"]] == ["chen", "chen", None]
    assert data["alerts"][0]["deliveries"] == 3
    assert [c["state"] for c in data["checklist"]] == ["done", "done"]
    assert (data["cadence"]["sent"], data["cadence"]["kept"], data["cadence"]["missed"]) == (2, 1, 2)
    assert [p["heading"] for p in data["prompts"]] == [
        "Contributing factors", "What went well", "What went poorly", "Where we got lucky"]
    assert data["integrity"]["chain_ok"] is True
    assert data["integrity"]["incident_events"] == len(
        [e for e in data["timeline"] if e["event_id"] is not None])


def test_record_text_cannot_inject_markup(store):
    inc = declare_incident(store, "x | y <script>alert(1)</script>", severity="SEV3",
                           author="ana")
    add_entry(store, inc, "see ![pixel](http://evil/x.png) [click](javascript:alert(1)) \x1b]0;owned\x07",
              author="ana")
    pm = build_postmortem(store, inc)
    text = render(pm, "md")
    assert "<script>" not in text and "![pixel]" not in text and "\x1b" not in text
    assert "x \\| y \\<script\\>" in text
    page = render(pm, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page
    assert "^[]0;owned^G" in page
    assert md("a\nb") == "a<br>b"


def test_incident_with_nothing_but_a_declaration(store):
    inc = declare_incident(store, "Quiet one", severity="SEV4", author="ana")
    text = render(build_postmortem(store, inc), "md")
    assert "_No summary was recorded." in text
    assert "_No hypotheses were recorded._" in text
    assert "| Resolved | — | — | not recorded |" in text


def test_bad_zone_and_unknown_incident(store, incident):
    with pytest.raises(InvalidInput, match="unknown time zone"):
        build_postmortem(store, incident, zone="Mars/Olympus")
    with pytest.raises(NotFound):
        build_postmortem(store, "INC-99")


def test_cli_export_writes_each_format(store, incident, firedesk, tmp_path):
    out = tmp_path / "pm.html"
    result = firedesk("export", "INC-1", "--format", "html", "-o", str(out), "--zone",
                      "Europe/Berlin")
    assert result.returncode == 0, result.stderr
    assert out.read_text() == (GOLDEN / "postmortem-INC-1.html").read_text()
    result = firedesk("export", "1", "--zone", "Europe/Berlin")
    assert result.stdout == (GOLDEN / "postmortem-INC-1.md").read_text()
    result = firedesk("export", "1", "--format", "pdf")
    assert result.returncode == 2 and "pdf" in result.stderr
    result = firedesk("export", "INC-7")
    assert result.returncode == 1 and result.stderr.startswith("firedesk: error: no incident INC-7")


def test_footer_says_when_the_chain_is_broken(store, incident):
    store.conn.execute("DROP TRIGGER events_refuse_update")
    store.conn.execute("UPDATE events SET text = 'nothing happened' WHERE id = 18")
    pm = build_postmortem(store, incident)
    assert pm.integrity.chain_ok is False
    text = render(pm, "md")
    assert "**HASH CHAIN BROKEN**: event 18 was changed after it was recorded" in text
    assert 'class="warn">HASH CHAIN BROKEN</span>' in render(pm, "html")
