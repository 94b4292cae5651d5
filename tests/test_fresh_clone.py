"""A clone with nothing beside it passes: tests read only files inside the repository.

`.ci/run` proves the README's test command on such a clone; these tests catch the same
mistake sooner, in any checkout: a reference to the sibling folder of seeds and
payloads (or any path outside the repository) in code, tests or benchmarks, and a fixture loader that only works because a
sibling folder happens to exist.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PAYLOADS, REPO

from firedesk.cli.console import theme_option
from firedesk.config import STARTER_CONFIG
from firedesk.themes import SHORT_NAMES

CHECKED = ("src", "tests", "bench", ".ci")
SIBLING = "sha" + "red"  # spelled apart so this file does not match its own check
OUTSIDE = re.compile(rf"""\.\./{SIBLING}\b|parent\s*/\s*["']{SIBLING}["']|/work/{SIBLING}/""")


def tracked_files() -> list[Path]:
    """The files a clone would have: git's list when this is a checkout, else the tree."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                                check=True, timeout=30).stdout.decode().split("\0")
        return [REPO / name for name in listed if name and (REPO / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis"}
        return [path for path in REPO.rglob("*")
                if path.is_file() and not skip & set(path.relative_to(REPO).parts)]


def test_nothing_refers_to_a_folder_beside_the_repository():
    offenders = []
    for path in tracked_files():
        relative = path.relative_to(REPO)
        if relative.parts[0] not in CHECKED or path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{relative}:{number}" for number, line in
                      enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert offenders == []


def test_payload_fixtures_live_inside_the_repository():
    assert PAYLOADS.is_relative_to(REPO / "tests")
    assert sorted(path.name for path in PAYLOADS.glob("*.json"))


def test_the_suite_runs_from_a_copy_with_nothing_beside_it(tmp_path: Path):
    """Copy the repository alone into an empty folder and run the payload-reading tests there."""
    copy = tmp_path / "alone" / "firedesk"
    for path in tracked_files():
        target = copy / path.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    assert sorted(os.listdir(copy.parent)) == ["firedesk"]
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/test_intake_parsers.py", "tests/test_oncall_config.py"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_every_offered_theme_is_named_wherever_themes_are_listed():
    starter = next(line for line in STARTER_CONFIG.splitlines() if line.startswith("# theme"))
    help_text = theme_option(lambda: None).__click_params__[0].help
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in SHORT_NAMES:
        assert re.search(rf"\b{re.escape(name)}\b", starter), name
        assert re.search(rf"\b{re.escape(name)}\b", help_text), name
        assert f"|{name}" in readme or f"{name}|" in readme, name


def test_click_is_a_declared_dependency():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert re.search(r'"click[>=<~ ]', dependencies)
