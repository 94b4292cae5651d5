"""Groups, not floods: the alert pane groups rows by alertname (or [alerts] group_by),
a group or a selection attaches in ONE timeline entry naming the count, and an
attachment can be undone (detached) — on the timeline, and checked by verify."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from firedesk.cli import cli
from firedesk.config import parse_config
from firedesk.intake.feed import AlertGroup, grouped
from firedesk.intake.triage import attach_alert, detach_alert, find_alert, list_alerts
from firedesk.store import declare_incident, events_for
from firedesk.store.derived import derived_mismatches as disagreements
from firedesk.store.store import Store
from firedesk.widgets.alert_feed import AlertFeed
from test_console_helpers import build_app, settle
from test_intake_pane import am, focus_alerts, ingest, rows


def storm(store, count: int = 500) -> None:  # noqa: ANN001
    """`count` HighLatency alerts (one per instance), one DiskFull, one resolved HighLatency."""
    for n in range(count):
        ingest(store, am(f"lat{n}", "HighLatency", "warning", instance=f"web-{n}"))
    ingest(store, am("disk1", "DiskFull", "critical"))
    ingest(store, am("old1", "HighLatency", "warning", status="resolved", instance="old"))


def test_rows_group_by_alertname_in_the_place_of_the_most_urgent(store):
    storm(store, 3)
    alerts = list_alerts(store)
    shown = grouped(alerts, ("alertname",), expanded=set())
    assert [type(r).__name__ for r in shown] == ["AlertRow", "AlertGroup"]
    assert shown[0].title == "DiskFull"              # critical first
    group = shown[1]
    assert isinstance(group, AlertGroup) and group.name == "alertname=HighLatency"
    assert len(group.alerts) == 4 and group.firing == 3 and group.severity == "medium"
    opened = grouped(alerts, ("alertname",), expanded={"alertname=HighLatency"})
    assert len(opened) == 2 + 4 and opened[2:] == group.alerts
    # Another label set: every HighLatency instance is its own group of one (just the alert).
    by_instance = grouped(alerts, ("instance",), expanded=set())
    assert not any(isinstance(r, AlertGroup) for r in by_instance)


def test_group_by_is_read_once_and_a_bad_value_is_a_problem(tmp_path):
    config = parse_config({"alerts": {"group_by": ["alertname", "cluster"]}}, None)
    assert config.alerts.group_by == ("alertname", "cluster") and not config.problems
    bad = parse_config({"alerts": {"group_by": [3], "groupby": "x"}}, None)
    assert bad.alerts.group_by == ("alertname",)
    problems = [str(p) for p in bad.problems]
    assert any("alerts.group_by" in p and "label name" in p for p in problems)
    assert any("alerts.groupby" in p and "unknown key" in p for p in problems)


def test_500_alerts_attach_in_one_entry_and_detach_in_one(store):
    storm(store)
    incident = declare_incident(store, "Latency", severity="SEV2", author="Dana")
    members = [a for a in list_alerts(store) if a.title == "HighLatency"]
    assert len(members) == 501
    before = len(events_for(store, incident.id))
    assert attach_alert(store, members, incident, author="Dana",
                        group="alertname=HighLatency") == 501
    added = events_for(store, incident.id)[before:]
    assert [e.kind for e in added] == ["alert.attach"]
    assert added[0].text.startswith("attached 501 alerts (group alertname=HighLatency): ")
    assert added[0].data["count"] == 501 and len(added[0].data["alert_ids"]) == 501
    assert all(a.incident_id == incident.id for a in list_alerts(store) if a.title == "HighLatency")
    assert disagreements(store) == []
    # Attaching them again records nothing; one of them alone is one entry about it.
    attach_alert(store, members, incident, author="Dana")
    assert len(events_for(store, incident.id)) == before + 1
    detach_alert(store, members[:3], author="Ana")
    assert events_for(store, incident.id)[-1].text.startswith("detached 3 alerts: ")
    assert find_alert(store, members[0].id).incident_id is None
    assert find_alert(store, members[3].id).incident_id == incident.id
    assert disagreements(store) == []


def test_verify_rebuilds_bulk_attachments_and_names_a_tampered_one(store, db_path):
    storm(store, 5)
    incident = declare_incident(store, "Latency", severity="SEV2", author="Dana")
    members = [a for a in list_alerts(store) if a.title == "HighLatency"]
    attach_alert(store, members, incident, author="Dana", group="alertname=HighLatency")
    detach_alert(store, members[0], author="Dana")
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alerts SET incident_id = ? WHERE id = ?", (incident.id, members[0].id))
    raw.execute("UPDATE alerts SET incident_id = NULL WHERE id = ?", (members[1].id,))
    raw.commit()
    raw.close()
    found = disagreements(Store(db_path))
    assert f"alert {members[0].id} is attached to {incident.key} but its timeline says no incident" in found
    assert any(f"alert {members[1].id} is attached to" in f and incident.key in f for f in found)


def run(db_path, *args: str):  # noqa: ANN001, ANN201
    return CliRunner().invoke(cli, ["--db", str(db_path), "--as", "dana", *args])


def test_the_cli_attaches_a_group_several_alerts_and_detaches(store, db_path):
    storm(store, 4)
    declare_incident(store, "Latency", severity="SEV2", author="Dana")
    result = run(db_path, "attach", "--group", "alertname=HighLatency", "INC-1")
    assert result.exit_code == 0, result.output
    assert result.output == "5 alerts attached to INC-1 (group alertname=HighLatency)\n"
    again = run(db_path, "attach", "--group", "alertname=HighLatency", "INC-1")
    assert again.output == "already attached to INC-1; nothing was recorded\n"
    disk = find_alert(store, "disk1")
    assert run(db_path, "attach", str(disk.id), "INC-1").output.startswith(
        f"alert {disk.id} attached to INC-1: DiskFull")
    assert run(db_path, "detach", "lat0", "lat1").output == "2 alerts detached\n"
    kinds = [(e.kind, e.text.split(":")[0]) for e in events_for(store, 1)]
    assert kinds[-3:] == [("alert.attach", "attached 5 alerts (group alertname=HighLatency)"),
                          ("alert.attach", f"attached alert {disk.id} (alertmanager, critical, firing)"),
                          ("alert.detach", "detached 2 alerts")]
    assert run(db_path, "verify").exit_code == 0


def test_the_cli_says_what_is_wrong_and_records_nothing(store, db_path):
    storm(store, 2)
    declare_incident(store, "Latency", severity="SEV2", author="Dana")
    count = len(events_for(store, 1))
    for args, message in [
        (["attach", "--group", "alertname=Nope", "INC-1"], "no alert is in group 'alertname=Nope'"),
        (["attach", "INC-1"], "name at least one ALERT"),
        (["attach", "lat0", "--group", "alertname=HighLatency", "INC-1"], "not both"),
        (["detach", "lat0"], "not attached to an incident"),
        (["attach", "lat0", "INC-9"], "INC-9"),
    ]:
        result = run(db_path, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert len(events_for(store, 1)) == count


async def test_the_pane_groups_expands_attaches_a_group_and_detaches(db_path, clock, store):
    storm(store, 6)
    incident = declare_incident(store, "Latency", severity="SEV2", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        pane = app.screen.query_one(AlertFeed)
        assert len(rows(app)) == 8                      # one per alert
        await pilot.press("G")
        await settle(pilot)
        shown = rows(app)
        assert len(shown) == 2
        assert shown[1].startswith("▸ MED  7 × alertname=HighLatency · 6 firing")
        await pilot.press("down", "enter")             # Enter on a group opens it
        await settle(pilot)
        assert len(rows(app)) == 2 + 7 and rows(app)[1].startswith("▾")
        before = len(events_for(store, incident.id))
        await pilot.press("plus")                      # the highlight is still the group
        await settle(pilot)
        added = events_for(store, incident.id)[before:]
        assert [e.text.split(":")[0] for e in added] == [
            "attached 7 alerts (group alertname=HighLatency)"]
        assert "INC-1" in rows(app)[1]
        await pilot.press("minus")
        await settle(pilot)
        last = events_for(store, incident.id)[-1]
        assert last.kind == "alert.detach" and last.text.startswith(
            "detached 7 alerts (group alertname=HighLatency)")
        await pilot.press("G")
        await settle(pilot)
        assert len(rows(app)) == 8 and not pane.grouping
    assert disagreements(Store(db_path)) == []
