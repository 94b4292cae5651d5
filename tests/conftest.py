"""Shared fixtures: a real SQLite file per test, a clock that only moves when told."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from firedesk.store import Store

REPO = Path(__file__).resolve().parent.parent
PAYLOADS = Path(__file__).resolve().parent / "fixtures" / "payloads"


class FakeClock:
    """A frozen clock: `clock()` answers the same instant until `advance()`."""

    def __init__(self, start: str = "2026-11-22T03:00:00+00:00"):
        self.now = datetime.fromisoformat(start).astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "firedesk.db"


@pytest.fixture
def store(db_path: Path, clock: FakeClock):
    with Store(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def firedesk(db_path: Path, tmp_path: Path):
    """Run the real `firedesk` command in a subprocess against this test's record."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "FIREDESK_DB": str(db_path), "FIREDESK_USER": "tester",
                    "TZ": "UTC", **(env or {})}
        full_env = {k: v for k, v in full_env.items() if v != ""}
        result = subprocess.run(
            [sys.executable, "-m", "firedesk", *args], input=input, capture_output=True,
            text=True, env=full_env, cwd=tmp_path, timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"firedesk {' '.join(args)} failed: {result.stderr}")
        return result

    return run
