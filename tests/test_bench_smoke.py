"""Every benchmark's quick form runs and reports its figures (not their values: timing
belongs to bench/, not to tests). The fault, soak and terminal benchmarks share their
workers with tests/test_faults_*.py and are left to `bench/run --quick`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import shutil

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
QUICK = ["write_throughput", "oncall", "review", "running", "note_latency", "storm", "startup",
         "between", "serve"]


@pytest.mark.parametrize("name", QUICK)
def test_quick_benchmark_runs_and_reports(name, tmp_path):
    if name == "serve" and not (shutil.which("ssh") and shutil.which("ssh-keygen")):
        pytest.skip("bench/serve.py drives the real OpenSSH client; no ssh here")
    figures = tmp_path / "figures.jsonl"
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), "--quick"], cwd=tmp_path,
        env={**os.environ, "FIREDESK_BENCH_OUT": str(figures)},
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [json.loads(line) for line in figures.read_text().splitlines()]
    assert rows and all(r["runs"] >= 1 and r["unit"] for r in rows)
