"""The digest per tech lead (Caseflow's Prod Squad, seed 002): alerts nobody took into an
incident, by service → team → tech lead; `--since-close` from business hours; `--post` to
each team's Slack webhook on a loopback server. Frozen clock, real record."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from between_story import SQUAD, deliver, make_cli
from fakes_between import FakeSlack

from firedesk.config import load_config, parse_config
from firedesk.intake.triage import attach_alert, mark_noise
from firedesk.review.digest import BusinessHours, digest_settings
from firedesk.store import declare_incident

MONDAY = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)   # 15:00 in New York


@pytest.fixture
def slack():
    server = FakeSlack()
    yield server
    server.close()


@pytest.fixture
def config_file(tmp_path, slack):
    path = tmp_path / "firedesk.toml"
    path.write_text(open(SQUAD).read() + f'''
[digest]
business_hours = "09:00-17:00"
timezone = "America/New_York"

[digest.teams.Foxtrot]
slack_webhook = "{slack.hook('foxtrot')}"

[digest.teams.Tango]
slack_webhook = "{slack.hook('archived')}"
business_hours = "08:00-16:00"
timezone = "America/Chicago"
''')
    return str(path)


@pytest.fixture
def cli(monkeypatch, clock, db_path, config_file):
    return make_cli(monkeypatch, clock, db_path, config_file)


def _evening(store, clock):  # noqa: ANN001
    """Monday: one reader error before close, then errors overnight; Tuesday 09:30 NY."""
    clock.now = MONDAY
    deliver(store, "r-before", "Reader: NoMethodError in DocumentsController", service="reader",
            links={"source": "https://sentry.example/issues/1"})
    clock.now = MONDAY + timedelta(hours=3)                       # 18:00 NY, after close
    deliver(store, "c-1", "Certification: Timeout::Error", service="certification",
            links={"source": "https://sentry.example/issues/2"})
    clock.advance(minutes=10)
    deliver(store, "c-1", "Certification: Timeout::Error", service="certification")
    deliver(store, "e-1", "eFolder: 502 from VBMS", service="efolder", severity="high")
    deliver(store, "d-1", "Dispatch: stuck job", service="dispatch")
    deliver(store, "x-1", "Unknown thing <script>", service="mystery")
    owned = deliver(store, "owned", "Reader: owned by an incident", service="reader")
    noisy = deliver(store, "noisy", "Reader: noisy", service="reader")
    deliver(store, "taken", "Reader: someone took it", service="reader", owner="Mark")
    incident = declare_incident(store, "Reader slow", severity="SEV3", author="Ana")
    attach_alert(store, owned, incident, author="Ana")
    mark_noise(store, noisy, author="Ana")
    clock.now = datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc)   # Tue 09:30 NY


def test_since_close_groups_by_service_team_and_lead(store, clock, cli):
    _evening(store, clock)
    data = json.loads(cli("digest", "--since-close", "--json").output)
    parts = {(p["lead"], p["team"]): p for p in data["parts"]}
    assert list(parts) == [("Alex", "Foxtrot"), ("Sharon", "Tango"),
                           ("(no tech lead)", "(no tech lead)")]
    foxtrot = parts[("Alex", "Foxtrot")]
    assert foxtrot["since"] == "2026-11-23T22:00:00.000000Z"     # Monday 17:00 New York
    assert [s["service"] for s in foxtrot["services"]] == ["certification", "efolder"]
    [cert] = foxtrot["services"][0]["alerts"]
    assert (cert["count"], cert["first_seen"][:16], cert["last_seen"][:16]) == (
        2, "2026-11-23T23:00", "2026-11-23T23:10")
    assert cert["links"] == {"source": "https://sentry.example/issues/2"}
    # Tango closes at 16:00 Chicago = 22:00 UTC too; the reader error came before close.
    assert parts[("Sharon", "Tango")]["since"] == "2026-11-23T22:00:00.000000Z"
    assert ("Mark", "Whiskey") not in parts       # before close, attached, or noise


def test_since_one_day_and_one_lead(store, clock, cli):
    _evening(store, clock)
    md = cli("digest", "--since", "1d", "--lead", "Mark").output
    assert md.startswith("# Alert digest\n\n## Mark — Whiskey: 1 alert nobody took into an incident")
    assert "Reader: NoMethodError in DocumentsController" in md
    assert "[source](https://sentry.example/issues/1)" in md
    assert "owned by an incident" not in md and "noisy" not in md and "took it" not in md
    result = cli("digest", "--lead", "Nobody")
    assert result.exit_code == 1 and "'Nobody' is no team's or service's tech_lead" in result.output


def test_post_sends_each_team_part_and_prints_the_rest(store, clock, cli, slack):
    _evening(store, clock)
    result = cli("digest", "--since-close", "--post")
    assert result.exit_code == 1
    assert "Alex (Foxtrot): sent to Slack" in result.output
    assert "Sharon (Tango): Slack answered 410 (channel_is_archived)" in result.output
    assert "## (no tech lead) — (no tech lead): 1 alert" in result.output   # no webhook: printed
    assert "some parts were not posted" in result.output
    [(path, foxtrot), (_, tango)] = slack.posts
    assert path == "/services/T000/B000/foxtrot"
    assert foxtrot["text"].startswith("*Alert digest for Alex (Foxtrot)*: 2 alerts")
    assert "<https://sentry.example/issues/2|source>" in foxtrot["text"]
    assert foxtrot["unfurl_links"] is False
    events = store.query("SELECT author, text, data FROM events WHERE kind = 'digest.posted'")
    assert [json.loads(e["data"])["ok"] for e in events] == [True, False]


def test_untrusted_titles_cannot_form_slack_links(store, clock, cli, slack, tmp_path, monkeypatch):
    clock.now = MONDAY
    deliver(store, "evil", "<https://evil.example|click> & \x1b[2J", service="efolder")
    cli("digest", "--post", "--lead", "Alex")
    [(_, body)] = slack.posts
    assert "&lt;https://evil.example|click&gt; &amp; ^[[2J" in body["text"]


def test_business_hours_skip_the_weekend_and_keep_the_wall_clock_across_dst():
    hours = BusinessHours(timezone="America/New_York")
    monday_morning = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)   # Mon after DST ended
    assert hours.last_close_before(monday_morning).isoformat() == "2026-10-30T17:00:00-04:00"
    saturday = datetime(2026, 11, 7, 15, 0, tzinfo=timezone.utc)
    assert hours.last_close_before(saturday).isoformat() == "2026-11-06T17:00:00-05:00"


def test_bad_digest_settings_are_named_and_the_rest_loads():
    config = parse_config({"digest": {"business_hours": "9-5", "timezone": "Mars/Base",
                                      "workdays": ["funday"],
                                      "teams": {"Foxtrot": {"slack_webhook": "ftp://x"}}}})
    settings = digest_settings(config)
    assert [p.key for p in config.problems] == [
        "digest.business_hours", "digest.timezone", "digest.workdays",
        "digest.teams.Foxtrot.slack_webhook"]
    assert settings.team("Foxtrot").slack_webhook is None
    assert settings.hours == BusinessHours()


def test_since_and_since_close_together_is_one_line(cli):
    result = cli("digest", "--since", "1d", "--since-close")
    assert result.exit_code == 1 and "pass one of them" in result.output
    result = cli("digest", "--since", "yesterday")
    assert result.exit_code == 1 and "cannot read duration" in result.output
