"""The example config in the README's place is real: it loads with no problem at all."""

from __future__ import annotations

from pathlib import Path

from firedesk.cli.checks import config_problems
from firedesk.config import load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "firedesk.toml"


def test_the_example_config_has_no_problems() -> None:
    config = load_config(EXAMPLE)
    assert list(config_problems(config)) == []
    assert [p.name for p in config.people] == ["Priya", "Ana", "Lukas", "Xavier"]
    assert config.cadence_minutes["SEV1"] == 15


def test_doctor_accepts_the_example(firedesk, tmp_path: Path) -> None:
    result = firedesk("--config", str(EXAMPLE), "--db", str(tmp_path / "f.db"), "doctor")
    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().endswith("no problems found")


def test_who_to_wake_works_from_the_example(firedesk, tmp_path: Path) -> None:
    result = firedesk("--config", str(EXAMPLE), "--db", str(tmp_path / "f.db"),
                      "wake", "checkout-api", "--at", "2026-11-24T03:00Z", check=True)
    assert "tier 1" in result.stdout and "Ana" in result.stdout
