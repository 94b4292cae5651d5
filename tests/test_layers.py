"""The layers of DESIGN.md are binding: `lint-imports` with the contracts in
pyproject.toml keeps them, and breaks when a lower layer reaches up."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the `firedesk` package under `root/src`, with root's contracts."""
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
         "lint_imports_command()", "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"},
    )


def test_the_code_keeps_every_contract():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src" / "firedesk", tmp_path / "src" / "firedesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(copy: Path, module: str, line: str) -> None:
    path = copy / "src" / "firedesk" / module
    path.write_text(path.read_text() + f"\n{line}\n")


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("widgets/timeline.py", "from firedesk.screens import incident  # noqa", "Layers"),
    ("roles/catalog.py", "import textual  # noqa", "never import Textual"),
    ("store/timeline.py", "from firedesk.roles import catalog  # noqa", "Layers"),
    ("review/digest.py", "from firedesk.widgets import timeline  # noqa", "Layers"),
])
def test_a_lower_layer_reaching_up_breaks_a_contract(copy, module, line, broken):
    add_import(copy, module, line)
    run = lint_imports(copy)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{broken}" in run.stdout and "BROKEN" in run.stdout, run.stdout
