"""A ticket per alert (Caseflow's "make a ticket, label it prod-alert; if one exists,
comment with the latest occurrence"), against a loopback server speaking GitHub's REST
issues API, with a frozen clock and a real record."""

from __future__ import annotations

import dataclasses
import json

import pytest
from between_story import SQUAD, deliver, make_cli
from fakes_between import TOKEN, FakeGitHub

from firedesk.config import parse_config
from firedesk.intake.tickets import TicketError, ticket_alert, ticket_settings
from firedesk.intake.triage import find_alert, list_alerts
from firedesk.store import verify_chain


@pytest.fixture
def github():
    server = FakeGitHub(prefix="/api/v3")      # GitHub Enterprise puts the API under /api/v3
    yield server
    server.close()


def _settings(github, **extra):  # noqa: ANN001
    raw = {"tickets": {"repo": "acme/caseflow", "api_url": github.api, "token": TOKEN,
                       "labels": ["prod-alert", "caseflow"], **extra}}
    config = parse_config(raw)
    settings = ticket_settings(config)
    assert config.problems == []
    return settings


@pytest.fixture
def cli(monkeypatch, clock, db_path, tmp_path, github):
    path = tmp_path / "firedesk.toml"
    path.write_text(open(SQUAD).read() + f'''
[tickets]
repo = "acme/caseflow"
api_url = "{github.api}"
token_env = "CASEFLOW_GITHUB_TOKEN"
''')
    monkeypatch.setenv("CASEFLOW_GITHUB_TOKEN", TOKEN)
    return make_cli(monkeypatch, clock, db_path, str(path))


def test_first_occurrence_opens_an_issue_then_later_ones_comment(store, clock, github):
    settings = _settings(github)
    alert = deliver(store, "sentry-42", "NoMethodError in DocumentsController", service="reader",
                    links={"source": "https://sentry.example/issues/42/events/1"})
    first = ticket_alert(store, alert, settings, author="Priya")
    assert (first.action, first.number) == ("opened", 1)
    [request] = github.requests
    assert request["path"] == "/api/v3/repos/acme/caseflow/issues"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Accept"] == "application/vnd.github+json"
    assert request["body"]["labels"] == ["prod-alert", "caseflow"]
    assert request["body"]["title"] == "NoMethodError in DocumentsController"
    assert "https://sentry.example/issues/42/events/1" in request["body"]["body"]
    assert find_alert(store, alert.id).ticket == "https://github.example/acme/caseflow/issues/1"

    clock.advance(hours=5)
    deliver(store, "sentry-42", "NoMethodError in DocumentsController", service="reader",
            links={"source": "https://sentry.example/issues/42/events/2"})
    again = ticket_alert(store, alert, settings, author="Ana")
    assert (again.action, again.number) == ("commented", 1)
    assert github.requests[-1]["path"] == "/api/v3/repos/acme/caseflow/issues/1/comments"
    [comment] = github.comments[1]
    assert "Latest occurrence: 2026-11-22T08:00" in comment
    assert "https://sentry.example/issues/42/events/2" in comment and "seen 2×" in comment
    kinds = [r["kind"] for r in store.query("SELECT kind FROM events WHERE kind LIKE 'ticket.%' ORDER BY id")]
    assert kinds == ["ticket.opened", "ticket.commented"]
    assert verify_chain(store).ok


def test_a_fingerprint_rule_makes_two_alerts_one_ticket(store, clock, github):
    settings = _settings(github, fingerprint=["source", "title"])
    a = deliver(store, "host-1", "Disk full", service="efolder")
    b = deliver(store, "host-2", "Disk full", service="efolder")
    assert ticket_alert(store, a, settings, author="Priya").action == "opened"
    assert ticket_alert(store, b, settings, author="Priya").action == "commented"
    assert len(github.issues) == 1
    assert find_alert(store, b.id).ticket == find_alert(store, a.id).ticket


@pytest.mark.parametrize("status, message", [
    (422, "GitHub rejected it (a label or field it does not accept): Validation Failed; no issue was made"),
    (502, "GitHub answered HTTP 502: Server Error; no issue was made"),
])
def test_a_refusal_records_nothing(store, clock, github, status, message):
    settings = _settings(github)
    alert = deliver(store, "k", "Boom", service="reader")
    before = store.query_one("SELECT count(*) FROM events")[0]
    github.fail_next = status
    with pytest.raises(TicketError) as caught:
        ticket_alert(store, alert, settings, author="Priya")
    assert str(caught.value) == message
    assert store.query_one("SELECT count(*) FROM events")[0] == before
    assert store.query_one("SELECT count(*) FROM tickets")[0] == 0
    assert find_alert(store, alert.id).ticket is None
    # And it can be tried again.
    assert ticket_alert(store, alert, settings, author="Priya").action == "opened"


def test_wrong_token_and_unreachable_server(store, clock, github):
    alert = deliver(store, "k", "Boom")
    bad = _settings(github, token="nope")
    with pytest.raises(TicketError, match="token was refused.*Bad credentials"):
        ticket_alert(store, alert, bad, author="Priya")
    gone = FakeGitHub()
    url = gone.url
    gone.close()
    with pytest.raises(TicketError, match="cannot reach .*no issue was made"):
        ticket_alert(store, alert, _settings(github, api_url=url), author="Priya")
    assert store.query_one("SELECT count(*) FROM tickets")[0] == 0


def test_cli_ticket_and_auto(store, clock, cli, github):
    crit = deliver(store, "c1", "Certification down", severity="critical", service="certification")
    deliver(store, "m1", "Slow page", severity="medium", service="reader")
    result = cli("ticket", "--auto")
    assert result.exit_code == 0, result.output
    assert result.output == (f"alert {crit.id}: opened acme/caseflow#1 "
                             "https://github.example/acme/caseflow/issues/1\n")
    assert cli("ticket", "--auto").output == "no new alerts to ticket\n"
    clock.advance(minutes=30)
    deliver(store, "c1", "Certification down", severity="critical", service="certification")
    data = json.loads(cli("ticket", "--auto", "--json").output)
    assert [(d["alert"], d["action"]) for d in data] == [(crit.id, "commented")]
    result = cli("ticket", "2")
    assert result.exit_code == 0 and "alert 2: opened acme/caseflow#2" in result.output
    assert [a.ticket for a in list_alerts(store)] == [
        "https://github.example/acme/caseflow/issues/1", "https://github.example/acme/caseflow/issues/2"]


def test_cli_errors_are_one_line(store, clock, cli, monkeypatch, github):
    assert "name one ALERT, or pass --auto" in cli("ticket").output
    assert "no alert '99'" in cli("ticket", "99").output
    monkeypatch.delenv("CASEFLOW_GITHUB_TOKEN")
    deliver(store, "k", "Boom")
    result = cli("ticket", "1")
    assert result.exit_code == 1
    assert "tickets are not configured" in result.output and "$CASEFLOW_GITHUB_TOKEN" in result.output
    assert github.requests == []


def test_bad_settings_are_named():
    config = parse_config({"tickets": {"repo": "nope", "api_url": "ftp://x", "labels": "a",
                                       "fingerprint": ["colour"], "auto_severities": ["sev1"],
                                       "token": "t"}})
    assert ticket_settings(config) is None
    assert [p.key for p in config.problems] == [
        "tickets.repo", "tickets.api_url", "tickets.labels", "tickets.fingerprint",
        "tickets.auto_severities"]


async def test_pane_key_tickets_the_highlighted_alert_and_shows_the_link(db_path, store, clock,
                                                                         github):
    from firedesk.store import declare_incident
    from firedesk.widgets.alert_list import AlertList
    from test_console_helpers import TEAM, build_app, settle

    deliver(store, "c1", "Certification down", severity="critical", service="certification")
    incident = declare_incident(store, "Certification", severity="SEV2", author="Ana")
    config = parse_config({"tickets": {"repo": "acme/caseflow", "api_url": github.api,
                                       "token": TOKEN}})
    config = dataclasses.replace(config, people=list(TEAM.people))  # settings are frozen
    app = build_app(db_path, clock, incident.id, config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#alerts-list", AlertList).focus()
        await pilot.pause()
        await pilot.press("g")
        await settle(pilot)
        for _ in range(50):
            if find_alert(store, 1).ticket:
                break
            await settle(pilot)
        await settle(pilot)
        row = app.screen.query_one("#alerts-list", AlertList).row_text(0)
    assert find_alert(store, 1).ticket == "https://github.example/acme/caseflow/issues/1"
    assert "ticket #1" in row
    assert github.issues[1]["labels"] == ["prod-alert"]


def test_two_people_filing_the_same_new_error_at_once_get_one_ticket(store, clock, github,
                                                                     monkeypatch):
    import firedesk.intake.tickets as tickets

    settings = _settings(github)
    alert = deliver(store, "k", "Boom", service="reader")
    first = ticket_alert(store, alert, settings, author="Priya")
    # Ana read "no ticket yet" just before Priya's was recorded: hers is filed too.
    monkeypatch.setattr(tickets, "_existing", lambda *args: None)
    second = ticket_alert(store, alert, settings, author="Ana")
    assert (second.action, second.number, second.url) == ("duplicate", 1, first.url)
    assert second.duplicate == "https://github.example/acme/caseflow/issues/2"
    assert store.query_one("SELECT count(*) FROM tickets")[0] == 1
    assert find_alert(store, alert.id).ticket == first.url
    [dup] = store.query("SELECT author, text FROM events WHERE kind = 'ticket.duplicate'")
    assert dup["author"] == "Ana" and "close it" in dup["text"]
