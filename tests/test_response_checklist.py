"""Triage checklists: templates, per-service lists, checking items, and the CLI."""

from __future__ import annotations

import json

import pytest

from firedesk.config import parse_config
from firedesk.errors import InvalidInput, NotFound
from firedesk.response.checklist import (
    check_item, checklist_for, checklist_progress, default_template, templates_for,
)
from firedesk.store import declare_incident, events_for

SERVICE_CONFIG = {
    "services": [{"name": "payments", "checklist": "payments"}],
    "checklists": {"payments": {"title": "Payments", "items": [
        "Card processor status page", {"id": "queue", "text": "payments-worker queue depth"},
    ]}},
}


def test_default_list_covers_the_abc_of_triage():
    template = default_template()
    ids = {i.id for i in template.items}
    assert {"database", "network", "servers", "identity", "third-party", "security"} <= ids
    assert {"our-deploys", "their-deploys", "data", "traffic", "integrations"} <= ids
    sections = [i.section for i in template.items]
    assert sections[0] == "Foundational components"
    assert {"Application components", "Recent changes", "Integration points"} <= set(sections)


def test_service_list_follows_the_default(store):
    config = parse_config(SERVICE_CONFIG)
    incident = declare_incident(store, "Cards declined", severity="SEV2", author="a",
                                service="payments")
    items = checklist_for(store, incident, config)
    assert items[-1].id == "payments.queue" and items[-1].list == "payments"
    assert items[-2].id == "payments.card-processor-status-page"
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    assert not config.problems


def test_bad_checklist_config_is_a_problem_not_a_crash(store):
    config = parse_config({"checklists": {"default": {"items": [42, {"text": ""}, "Only this"]},
                                          "web": "nonsense"},
                           "services": {"web": {"checklist": ["web", "missing"]}}})
    incident = declare_incident(store, "x", severity="SEV3", author="a", service="web")
    templates = templates_for(incident, config)
    assert [t.name for t in templates] == ["default"]
    assert [i.text for i in templates[0].items] == ["Only this"]
    keys = {p.key for p in config.problems}
    assert "checklists.default.sections[0].items[0]" in keys
    assert "checklists.web" in keys and "services.web.checklist" in keys


def test_checking_copies_the_list_in_and_records_an_event(store, clock):
    incident = declare_incident(store, "x", severity="SEV2", author="a")
    clock.advance(minutes=3)
    item, changed = check_item(store, incident, "database", author="bob", note="replicas fine")
    assert changed and item.state == "done" and item.by == "bob" and item.note == "replicas fine"
    assert item.at.startswith("2026-11-22T03:03")
    _, changed = check_item(store, incident, "5", author="bob", state="na")
    assert changed
    _, changed = check_item(store, incident, "database", author="bob")
    assert not changed  # same state again: nothing recorded
    stored = store.query("SELECT count(*) FROM checklist_items WHERE incident_id = ?", (incident.id,))
    assert stored[0][0] == len(default_template().items)
    events = [e for e in events_for(store, incident.id) if e.kind == "checklist"]
    assert [e.data["item"] for e in events] == ["database", "third-party"]
    assert events[0].data["attached"] == ["default"] and "attached" not in events[1].data
    progress = checklist_progress(checklist_for(store, incident))
    assert (progress.done, progress.na) == (1, 1)


def test_checked_list_survives_config_changes(store):
    config = parse_config(SERVICE_CONFIG)
    incident = declare_incident(store, "x", severity="SEV2", author="a", service="payments")
    check_item(store, incident, "payments.queue", author="a", config=config)
    # The team edits the config later: the incident keeps what was recorded.
    items = checklist_for(store, incident, parse_config({}))
    assert items[-1].id == "payments.queue" and items[-1].state == "done"


def test_unknown_item_is_a_clear_error_and_writes_nothing(store):
    incident = declare_incident(store, "x", severity="SEV2", author="a")
    with pytest.raises(NotFound, match="no checklist item 'nope' in INC-1"):
        check_item(store, incident, "nope", author="a")
    with pytest.raises(InvalidInput):
        check_item(store, incident, "database", author="a", state="maybe")
    assert store.query_one("SELECT count(*) FROM checklist_items")[0] == 0
    assert [e.kind for e in events_for(store, incident.id)] == ["declared"]


def test_cli_checklist_and_check(firedesk):
    firedesk("declare", "Checkout down", "--severity", "SEV2", check=True)
    shown = firedesk("checklist", "INC-1", "--json", check=True)
    items = json.loads(shown.stdout)
    assert {"id", "text", "state", "by", "at"} <= set(items[0])
    assert all(i["state"] == "open" for i in items)
    ok = firedesk("check", "INC-1", "network", "--note", "DNS resolves", check=True)
    assert "network done" in ok.stdout
    firedesk("check", "1", "security", "--na", check=True)
    items = {i["id"]: i for i in json.loads(firedesk("checklist", "1", "--json").stdout)}
    assert items["network"]["state"] == "done" and items["network"]["by"] == "tester"
    assert items["network"]["note"] == "DNS resolves" and items["network"]["at"]
    assert items["security"]["state"] == "na"
    again = firedesk("check", "1", "network", check=True)
    assert "already done" in again.stdout
    reopened = firedesk("check", "1", "network", "--reopen", check=True)
    assert "network open" in reopened.stdout
    plain = firedesk("checklist", "1", check=True).stdout
    assert "[-] security" in plain and "1/" in plain


def test_cli_check_unknown_item(firedesk):
    firedesk("declare", "x", "--severity", "SEV3", check=True)
    bad = firedesk("check", "1", "does-not-exist")
    assert bad.returncode == 1
    assert bad.stderr.startswith("firedesk: error: no checklist item 'does-not-exist'")
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["checklist"]["done"] == 0 and state["event_count"] == 1


def test_doctor_lists_running_config_problems(firedesk, tmp_path):
    (tmp_path / "bad.toml").write_text(
        '[checklists.web]\nitems = [42]\n[[services]]\nname = "web"\nchecklist = "nope"\n'
        '[comms]\nsend_timeout_seconds = 0\n[comms.audiences.eng]\nslack_webhook = "ftp://x"\n'
        '[nag]\nafter_minutes = -1\n')
    result = firedesk("--config", "bad.toml", "doctor")
    assert result.returncode == 1
    for key in ("checklists.web.sections[0].items[0]", "services.web.checklist",
                "comms.audiences.eng.slack_webhook", "comms.send_timeout_seconds",
                "nag.after_minutes"):
        assert f"bad.toml: {key}:" in result.stdout, key


def test_reading_on_every_refresh_does_not_pile_up_problems(store):
    config = parse_config({"checklists": {"default": {"items": [42, "ok"]}},
                           "nag": {"after_minutes": "soon"}})
    incident = declare_incident(store, "x", severity="SEV2", author="a")
    from firedesk.response.views import checklist_view

    for _ in range(3):
        checklist_view(store, incident, config)
    assert len(config.problems) == 2
