"""Real Unix users for the permission tests (root bypasses mode bits, so only a real
unprivileged process shows what a responder without write access sees).

The users are created once with `useradd` (no home, no login shell) and kept; the tests
skip with a reason when they are not root or cannot create users. Their records live in
a directory made with `tempfile.mkdtemp` under /tmp, not under pytest's `tmp_path`:
pytest keeps its base directory 0700 for root alone, so no other user could reach it.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
GROUP = "fdtest-crew"
INSIDE = ("fdtest-ana", "fdtest-ben")   # two responders in one group
OUTSIDE = "fdtest-eve"                  # a local user outside it


def _need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create real Unix users (useradd) for permission tests")
    if not shutil.which("useradd") or not shutil.which("groupadd"):
        pytest.skip("useradd/groupadd are not installed")


def ensure_group(name: str = GROUP) -> int:
    _need_root()
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        pass
    result = subprocess.run(["groupadd", name], capture_output=True, text=True)
    if result.returncode not in (0, 9):  # 9: it exists (another test made it meanwhile)
        pytest.skip(f"cannot create group {name}: {result.stderr.strip()}")
    return grp.getgrnam(name).gr_gid


def ensure_user(name: str, group: str | None = None) -> pwd.struct_passwd:
    """The user `name` (created if missing), in `group` as a supplementary group."""
    _need_root()
    try:
        found = pwd.getpwnam(name)
    except KeyError:
        argv = ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin"]
        if group:
            argv += ["-G", group]
        result = subprocess.run([*argv, name], capture_output=True, text=True)
        if result.returncode not in (0, 9):
            pytest.skip(f"cannot create user {name}: {result.stderr.strip()}")
        found = pwd.getpwnam(name)
    if group and name not in grp.getgrnam(group).gr_mem:
        subprocess.run(["usermod", "-a", "-G", group, name], check=True)
    return found


def crew() -> tuple[pwd.struct_passwd, pwd.struct_passwd, pwd.struct_passwd]:
    """Two responders in GROUP and one local user outside it."""
    ensure_group()
    ana, ben = (ensure_user(name, GROUP) for name in INSIDE)
    return ana, ben, ensure_user(OUTSIDE)


@contextmanager
def shared_dir(setgid_group: str | None = None) -> Iterator[Path]:
    """A directory every test user can reach; with a group, the README's recipe: owned by
    that group, setgid, group-writable, closed to others."""
    path = Path(tempfile.mkdtemp(prefix="firedesk-perm-"))
    try:
        if setgid_group:
            os.chown(path, 0, grp.getgrnam(setgid_group).gr_gid)
            os.chmod(path, 0o2770)
        else:
            os.chmod(path, 0o755)
        yield path
    finally:
        subprocess.run(["chattr", "-R", "-i", str(path)], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)


def _python_path() -> str:
    """This checkout's source and its venv's packages, for an interpreter run by another
    user (the venv's own python may link into a directory only root can enter)."""
    import sysconfig

    return os.pathsep.join([str(REPO / "src"), sysconfig.get_paths()["purelib"],
                            sysconfig.get_paths()["platlib"]])


_INTERPRETERS: dict[int, str] = {}


def interpreter_for(user: pwd.struct_passwd, where: Path) -> str:
    """A Python of this version that `user` can start and that imports firedesk; skips
    the test with the reason when there is none."""
    if user.pw_uid in _INTERPRETERS:
        return _INTERPRETERS[user.pw_uid]
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    errors = []
    for candidate in dict.fromkeys(candidates):
        if not Path(candidate).exists():
            continue
        try:
            result = subprocess.run(
                [candidate, "-c", f"import sys; assert sys.version[:{len(version)}] == "
                 f"'{version}'; import firedesk.cli"], capture_output=True, text=True,
                env={"PYTHONPATH": _python_path(), "HOME": str(where)}, cwd=where, timeout=60,
                user=user.pw_uid, group=user.pw_gid)
        except PermissionError as exc:
            errors.append(f"{candidate}: {exc.strerror}")
            continue
        if result.returncode == 0:
            _INTERPRETERS[user.pw_uid] = candidate
            return candidate
        errors.append(f"{candidate}: {result.stderr.strip().splitlines()[-1:]}")
    pytest.skip(f"{user.pw_name} cannot start a Python {version} that imports this checkout "
                f"({'; '.join(errors) or 'none found'})")


def run_as(user: pwd.struct_passwd, *args: str, db: Path, umask: int = 0o002,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`firedesk ARGS` as `user` (their uid, primary and supplementary groups), on `db`."""
    python = interpreter_for(user, db.parent)
    groups = [g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FIREDESK_DB": str(db),
                "HOME": str(db.parent), "TZ": "UTC", "PYTHONPATH": _python_path(),
                **(env or {})}
    return subprocess.run(
        [python, "-m", "firedesk", *args], capture_output=True, text=True,
        env=full_env, cwd=db.parent, timeout=60, user=user.pw_uid, group=user.pw_gid,
        extra_groups=groups, umask=umask,
    )


def can_run_as(user: pwd.struct_passwd, where: Path) -> None:
    """Skip unless `user` can start a Python that imports this checkout."""
    interpreter_for(user, where)
