"""Helpers for the between-incidents tests: alerts delivered through the real intake, and
the real `firedesk` click group run in-process with the test's frozen clock."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from click.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures_between"
SQUAD = str(FIXTURES / "squad.toml")


def deliver(store, key: str, title: str, *, severity: str = "medium", service: str | None = None,
            status: str = "firing", source: str = "sentry", links: dict | None = None,
            **extra):  # noqa: ANN001, ANN003
    """One delivery of one alert; returns the stored alert row."""
    from firedesk.intake.alert import Alert, Parsed
    from firedesk.intake.storage import record_delivery
    from firedesk.intake.triage import find_alert

    alert = Alert(source=source, dedup_key=key, title=title, severity=severity, service=service,
                  status=status, links=links or {}, **extra)
    parsed = Parsed(source, [alert])
    body = json.dumps([alert.to_json(), store.now()], sort_keys=True)
    record_delivery(store, parsed, body, via="ingest")
    rows = store.query("SELECT id FROM alerts WHERE source = ? AND dedup_key = ?", (source, key))
    return find_alert(store, rows[0]["id"])


def make_cli(monkeypatch, clock, db_path, config: str | None = SQUAD):  # noqa: ANN001
    """`run(*args)` → click Result, with `Env` built on the frozen clock."""
    import firedesk.cli as cli_module
    from firedesk.cli.env import Env

    monkeypatch.setattr(cli_module, "Env", partial(Env, clock=clock))
    monkeypatch.setenv("FIREDESK_DB", str(db_path))
    monkeypatch.setenv("TZ", "UTC")
    if config:
        monkeypatch.setenv("FIREDESK_CONFIG", config)

    def run(*args: str, actor: str = "Lukas", input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli_module.cli, ["--as", actor, *args], input=input,
                             catch_exceptions=False)

    return run
