"""The Textual-free layers and the headless commands never import Textual."""

from __future__ import annotations

import subprocess
import sys

TEXTUAL_FREE = ["firedesk.store", "firedesk.roles", "firedesk.oncall", "firedesk.intake",
                "firedesk.review", "firedesk.response", "firedesk.model", "firedesk.config",
                "firedesk.text", "firedesk.clock", "firedesk.cadence", "firedesk.cli",
                "firedesk.serve.settings", "firedesk.serve.hostkey", "firedesk.serve.terminal",
                "firedesk.serve.server", "firedesk.serve.session"]


def _run(code: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, **kwargs)


def test_domain_and_storage_layers_import_without_textual() -> None:
    code = (
        "import importlib, importlib.util, sys\n"
        f"for name in {TEXTUAL_FREE!r}:\n"
        "    if importlib.util.find_spec(name) is not None:\n"
        "        importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_firedesk_note_runs_without_textual(tmp_path) -> None:
    db = tmp_path / "f.db"
    code = (
        "import sys\n"
        "from firedesk.cli import cli\n"
        f"cli.main(['--db', {str(db)!r}, '--as', 'ana', 'declare', 'x', '--severity', 'SEV2'],"
        " standalone_mode=False)\n"
        f"cli.main(['--db', {str(db)!r}, '--as', 'ana', 'note', 'INC-1', 'hello'],"
        " standalone_mode=False)\n"
        "print('textual' in sys.modules, file=sys.stderr)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "False"
    assert "INC-1 #2 note recorded" in result.stdout


def test_the_headless_commands_run_without_textual(tmp_path) -> None:
    """What scripts and cron call: record, read, export, verify, search, review."""
    db = str(tmp_path / "f.db")
    commands = [
        ["declare", "db down", "--severity", "SEV2"],
        ["note", "INC-1", "replica lag"],
        ["timeline", "INC-1"],
        ["show", "INC-1"],
        ["status", "INC-1", "resolved"],
        ["export", "INC-1", "--format", "json"],
        ["verify"],
        ["stats"],
        ["search", "replica"],
        ["incidents"],
        ["alerts"],
    ]
    code = (
        "import sys\n"
        "from firedesk.cli import cli\n"
        f"for args in {commands!r}:\n"
        f"    cli.main(['--db', {db!r}, '--as', 'ana', *args], standalone_mode=False)\n"
        "print([m for m in sys.modules if m.split('.')[0] == 'textual'], file=sys.stderr)\n"
    )
    result = _run(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"
