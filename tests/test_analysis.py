"""Analysis required (Banno, seed 001): rules mark an incident at resolve; `analysis`
records where it lives (or waives it); `lint` and `stats` list incidents still missing one."""

from __future__ import annotations

import json

import pytest
from between_story import make_cli

from firedesk.config import parse_config
from firedesk.review.analysis import (
    analysis_rules, missing_analyses, record_analysis, set_status_checked,
)
from firedesk.store import add_entry, declare_incident, events_for, set_severity

RULES = {"analysis": {"words": ["rollback", "roll back", "hotfix"], "kinds": ["decision"],
                      "status_page_audiences": ["status-page"], "severities": ["SEV1"]}}


@pytest.fixture
def rules():
    config = parse_config(RULES)
    found = analysis_rules(config)
    assert config.problems == []
    return found


@pytest.fixture
def cli(monkeypatch, clock, db_path, tmp_path):
    path = tmp_path / "firedesk.toml"
    path.write_text('[analysis]\nwords = ["rollback", "roll back", "hotfix"]\n'
                    'status_page_audiences = ["status-page"]\n')
    return make_cli(monkeypatch, clock, db_path, str(path))


def test_each_rule_marks_at_resolve(store, rules):
    rolled = declare_incident(store, "Deploy 4512 broke checkout", severity="SEV3", author="Ana")
    add_entry(store, rolled, "Rolled back? No: we ROLL  BACK now to 4511", author="Ana")
    paged = declare_incident(store, "Login slow", severity="SEV3", author="Ana")
    set_severity(store, paged, "SEV1", author="Ana")
    set_severity(store, paged, "SEV3", author="Ana")
    decided = declare_incident(store, "Queue full", severity="SEV4", author="Ana")
    add_entry(store, decided, "Drain the queue", kind="decision", author="Ana")
    quiet = declare_incident(store, "Typo on the status page", severity="SEV5", author="Ana")
    add_entry(store, quiet, "rollbacks are not needed", author="Ana")   # not the word
    for incident in (rolled, paged, decided, quiet):
        set_status_checked(store, incident, "resolved", author="Ana", rules=rules)
    missing = {m.key: m.reasons for m in missing_analyses(store)}
    assert missing == {"INC-1": ("“roll back” (#2)",), "INC-2": ("severity SEV1",),
                       "INC-3": ("a decision entry (#7)",)}
    [mark] = [e for e in events_for(store, rolled.id) if e.kind == "analysis.required"]
    assert mark.text == "analysis required: “roll back” (#2)"


def test_a_status_page_update_needs_an_analysis_until_one_is_recorded(store, rules):
    from firedesk.response.updates import record_update

    incident = declare_incident(store, "Checkout errors", severity="SEV3", author="Ana")
    record_update(store, incident, "We are investigating", author="Ana", audiences=["status-page"])
    set_status_checked(store, incident, "resolved", author="Ana", rules=rules)
    [missing] = missing_analyses(store)
    assert missing.reasons[0].startswith("a status-page update (#")
    record_analysis(store, incident, author="Ana",
                    link="https://github.com/Banno/incident-analysis/pull/7")
    assert missing_analyses(store) == []
    # Re-opened and resolved again: still met, not marked twice.
    set_status_checked(store, incident, "monitoring", author="Ana", rules=rules)
    set_status_checked(store, incident, "resolved", author="Ana", rules=rules)
    assert [e.kind for e in events_for(store, incident.id)].count("analysis.required") == 1


def test_cli_resolve_lint_stats_and_waive(store, cli):
    incident = declare_incident(store, "Docs deploy", severity="SEV3", author="Ana")
    add_entry(store, incident, "hotfix deployed to documentation in prod testing", author="Ana")
    result = cli("status", "INC-1", "resolved")
    assert result.exit_code == 0
    assert "INC-1: analysis required (“hotfix” (#2)); record it with `firedesk analysis INC-1 LINK`" in result.output
    result = cli("lint")
    assert result.exit_code == 1
    assert "INC-1 analysis-missing: Docs deploy (“hotfix” (#2))" in result.output
    result = cli("lint", "INC-1", "--json")
    assert result.exit_code == 1
    assert "analysis-missing" in [f["rule"] for f in json.loads(result.output)]
    data = json.loads(cli("stats", "--json").output)
    assert [m["incident"] for m in data["analysis_missing"]] == ["INC-1"]
    assert "analysis missing: INC-1" in cli("stats").output
    result = cli("analysis", "INC-1", "--waive", "Documentation rolled back while testing in production")
    assert result.exit_code == 0 and "no analysis needed: Documentation rolled back" in result.output
    assert cli("lint").output == "no incident is missing a required analysis\n"
    assert cli("analysis", "INC-1").exit_code == 1
    assert "give the analysis's LINK, or --waive REASON" in cli("analysis", "INC-1").output


def test_bad_rules_are_named():
    config = parse_config({"analysis": {"words": "rollback", "severities": ["SEV9"]}})
    rules = analysis_rules(config)
    assert sorted(p.key for p in config.problems) == ["analysis.severities", "analysis.words"]
    assert rules.words == () and rules.severities == ()
