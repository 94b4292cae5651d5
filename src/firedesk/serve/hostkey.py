"""The server's host key: made once, on first start, and never again behind anyone's back.

A missing key is generated (ed25519, mode 0600, with a `.pub` beside it for `doctor`);
an existing key that cannot be read, or that others can read, stops the server with a
one-line error instead: replacing it would make every client warn that the host changed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from firedesk.errors import FiredeskError
from firedesk.serve.settings import fingerprint


@dataclass(frozen=True)
class HostKey:
    path: Path
    fingerprint: str
    generated: bool
    key: object  # asyncssh.SSHKey


def public_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def host_key_fingerprint(path: Path) -> str | None:
    """The fingerprint from the `.pub` beside the key (readable by anyone); None if absent."""
    try:
        return fingerprint(public_path(path).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, FiredeskError):
        return None


def load_or_generate(path: Path) -> HostKey:
    """Read the host key at `path`, or make it if there is none."""
    import asyncssh

    if not path.exists():
        if not path.parent.is_dir():
            raise FiredeskError(f"cannot create host key {path}: directory {path.parent} "
                                "does not exist")
        key = asyncssh.generate_private_key("ssh-ed25519", comment="firedesk serve")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_generate(path)   # another server made it meanwhile: use that one
        except OSError as exc:
            raise FiredeskError(f"cannot create host key {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.export_private_key())
            handle.flush()
            os.fsync(handle.fileno())
        _write_public(path, key)
        return HostKey(path, key.get_fingerprint("sha256"), True, key)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise FiredeskError(f"host key {path} is readable by others (mode {oct(mode & 0o777)}); "
                            f"chmod 600 {path}")
    try:
        key = asyncssh.read_private_key(path)
    except (OSError, ValueError, asyncssh.KeyImportError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FiredeskError(f"cannot read host key {path}: {reason}; not replacing it "
                            "(move it away yourself to make a new one)") from exc
    if host_key_fingerprint(path) != key.get_fingerprint("sha256"):
        _write_public(path, key)
    return HostKey(path, key.get_fingerprint("sha256"), False, key)


def _write_public(path: Path, key) -> None:  # noqa: ANN001
    try:
        public_path(path).write_bytes(key.export_public_key())
    except OSError:
        pass  # only `doctor` reads it; the server has the key itself
