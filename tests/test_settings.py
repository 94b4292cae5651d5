"""Settings are typed once: every capability's parser runs in `load_config`, its problems
are gathered then, and nothing reads the raw TOML afterwards."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from firedesk.cli.checks import config_problems
from firedesk.cli.env import Env
from firedesk.config import CAPABILITIES, load_config, parse_config

GOOD = """
[[people]]
name = "Priya"
login = "priya"
timezone = "Asia/Kolkata"

[[teams]]
name = "payments"
members = ["Priya"]

[[roles]]
name = "liaison"
key = "x"

[nag]
after_minutes = 12

[comms]
send_timeout_seconds = 3
[comms.audiences.eng]
slack_webhook = "https://hooks.example.com/T1"

[receiver]
token = "s3cret"

[review]
gap = "45m"

[publish.github]
repo = "acme/incidents"
token = "gh-token"

[checklists.web]
items = ["Check the CDN"]
"""

BAD = """
[[roles]]
name = "liaison"
key = "xy"

[nag]
after_minutes = "soon"

[comms.audiences.eng]
slack_webhook = "ftp://nope"

[receiver]
token = 5

[review]
gap = "later"

[publish.github]
repo = "not a repo"

[checklists.web]
items = [42]

[[teams]]
name = "payments"
members = ["Nobody"]
"""


def test_every_capability_is_typed_and_frozen_at_load(tmp_path: Path) -> None:
    path = tmp_path / "firedesk.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.problems == []
    assert [r.name for r in config.roles][-1] == "liaison"
    assert config.nag.after_minutes == 12
    assert config.comms.send_timeout == 3.0 and config.comms.audiences[0].name == "eng"
    assert config.receiver.token == "s3cret"
    assert config.review.gap == timedelta(minutes=45)
    assert config.publish.repo == "acme/incidents"
    assert config.checklists.templates["web"].items[0].text == "Check the CDN"
    assert "payments" in config.oncall.teams
    assert getattr(config, "raw", None) is None  # nothing can read the TOML after loading
    for attribute, _ in CAPABILITIES:
        settings = getattr(config, attribute)
        assert settings is not None or attribute == "tickets", attribute  # no [tickets]
        if dataclasses.is_dataclass(settings):
            field = dataclasses.fields(settings)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(settings, field, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.receiver = None  # type: ignore[misc]


def test_problems_are_gathered_once_and_doctor_only_reads_them(tmp_path: Path, store,
                                                              clock) -> None:
    import tomllib

    from firedesk.intake.feed import load_feed
    from firedesk.intake.settings import receiver_settings
    from firedesk.oncall import load_oncall
    from firedesk.response.checklist import templates_for
    from firedesk.response.updates import audiences_from, send_timeout
    from firedesk.review.lint import gap_setting
    from firedesk.review.publish import github_target
    from firedesk.roles import role_catalog
    from firedesk.roles.nag import nags_for
    from firedesk.store import declare_incident

    config = parse_config(tomllib.loads(BAD), tmp_path / "firedesk.toml")
    keys = {p.key for p in config.problems}
    assert {"roles[0].key", "nag.after_minutes", "comms.audiences.eng.slack_webhook",
            "receiver.token", "review.gap", "publish.github.repo",
            "checklists.web.sections[0].items[0]", "teams[0].members"} <= keys
    before = list(config.problems)
    incident = declare_incident(store, "x", severity="SEV2", author="a", service="web")
    for _ in range(3):  # what every pane refresh does
        role_catalog(config), templates_for(incident, config), audiences_from(config)
        send_timeout(config), receiver_settings(config), gap_setting(config)
        github_target(config), load_oncall(config), nags_for(store, incident, config, clock())
        load_feed(store, incident, config)
    assert config.problems == before
    assert list(config_problems(config)) == [str(p) for p in before]


def test_a_file_that_cannot_be_read_stops_commands_but_not_the_console(tmp_path: Path,
                                                                      firedesk) -> None:
    broken = tmp_path / "firedesk.toml"
    broken.write_text('[[people]\nname = "Priya"\n')
    result = firedesk("--config", str(broken), "oncall")
    assert result.returncode == 1 and "is not valid TOML" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    config = Env(config_path=str(broken), lenient=True).config
    assert config.people == [] and config.oncall is not None
    (problem,) = config.problems
    assert "is not valid TOML" in str(problem) and "built-in defaults" in str(problem)
    assert str(problem).startswith(str(broken))


async def test_a_console_started_with_a_broken_file_opens_with_defaults_and_a_notice(
        tmp_path: Path, db_path: Path, clock) -> None:
    from datetime import timezone

    from firedesk.app import make_app
    from firedesk.store import Store, declare_incident
    from test_console_helpers import settle

    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "Checkout down", severity="SEV2", author="a")
    broken = tmp_path / "firedesk.toml"
    broken.write_text("theme = [\n")
    env = Env(db_path=str(db_path), config_path=str(broken), actor="priya", lenient=True,
              clock=clock)
    app = make_app(env.db_path, env.config, env.actor, clock, incident.id, zone=timezone.utc,
                   cursor_blink=False, pace_panes=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert type(app.main_screen).__name__ == "IncidentScreen"
        notices = [n.message for n in app._notifications]
        assert any("is not valid TOML" in n and "built-in defaults" in n for n in notices)
