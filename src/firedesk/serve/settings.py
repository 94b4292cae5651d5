"""Who may come in through `firedesk serve`, and the server's limits, from firedesk.toml.

```toml
[serve]
host = "127.0.0.1"
port = 2222
host_key = "/var/lib/firedesk/ssh_host_ed25519_key"  # default: beside the record
authorized_keys = "/etc/firedesk/authorized_keys"   # optional, lines like
#   person="Ana" ssh-ed25519 AAAA… ana@laptop
#   watcher="Support bridge" ssh-ed25519 AAAA…
max_sessions = 50           # consoles open at once, over all connections
idle_timeout = "2h"         # no keystroke for this long ends a session (0: never)
max_auth_attempts = 6       # refused keys on one connection before it is dropped
login_timeout = "30s"       # time to finish logging in

[[people]]
name = "Ana"
ssh_keys = ["ssh-ed25519 AAAA… ana@laptop"]

[[watchers]]                # the console read-only: stakeholders, support, managers
name = "Support bridge"
ssh_keys = ["ssh-ed25519 AAAA…"]
```
A key is known by its SHA-256 fingerprint (what `ssh-keygen -lf` prints). A key given
to two names is refused for both: identity is never guessed. Problems are recorded with
`loading.problem()` when the file is read (`config.serve`); every valid key still works.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shlex
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from firedesk.clock import parse_duration
from firedesk.config import Config, ConfigError, Loading, parse_config, read_toml
from firedesk.errors import FiredeskError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2222
DEFAULT_MAX_SESSIONS = 50
DEFAULT_IDLE_TIMEOUT = 2 * 3600.0
DEFAULT_MAX_AUTH_ATTEMPTS = 6
DEFAULT_LOGIN_TIMEOUT = 30.0
HOST_KEY_NAME = "ssh_host_ed25519_key"
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")


@dataclass(frozen=True)
class Identity:
    """Who a key belongs to: a person (writes as them) or a watcher (read-only)."""

    name: str
    fingerprint: str
    watching: bool = False
    source: str = ""

    @property
    def kind(self) -> str:
        return "watcher" if self.watching else "person"


@dataclass(frozen=True)
class ServeSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    host_key: Path | None = None
    authorized_keys: Path | None = None
    max_sessions: int = DEFAULT_MAX_SESSIONS
    idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT
    max_auth_attempts: int = DEFAULT_MAX_AUTH_ATTEMPTS
    login_timeout: float = DEFAULT_LOGIN_TIMEOUT
    keys: dict[str, Identity] = field(default_factory=dict)

    def host_key_path(self, record: Path) -> Path:
        """The configured host key, else `ssh_host_ed25519_key` beside the record."""
        return self.host_key or record.parent / HOST_KEY_NAME


def fingerprint(line: str) -> str:
    """`ssh-ed25519 AAAA… comment` → `SHA256:…` (as ssh-keygen -l prints it); bad keys raise."""
    parts = line.split()
    if len(parts) < 2:
        raise FiredeskError("not a public key (want `ssh-ed25519 AAAA… comment`)")
    kind, body = parts[0], parts[1]
    if kind not in KEY_TYPES:
        raise FiredeskError(f"unknown key type {kind[:40]!r} (want one of: {', '.join(KEY_TYPES[:3])}, …)")
    try:
        blob = base64.b64decode(body, validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        named = blob[4:4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        raise FiredeskError(f"the {kind} key's base64 body is damaged") from None
    if named != kind:
        raise FiredeskError(f"the key says it is {kind} but its body is a {named[:40]} key")
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def _seconds(config: Loading, table: dict[str, Any], key: str, default: float | None,
             allow_never: bool = False) -> float | None:
    value = table.get(key)
    if value is None:
        return default
    if allow_never and value in (0, "0", False):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        try:
            return parse_duration(value).total_seconds()
        except FiredeskError as exc:
            config.problem(f"serve.{key}", str(exc))
            return default
    config.problem(f"serve.{key}", "must be a duration like \"30s\" or \"2h\"")
    return default


def _count(config: Loading, table: dict[str, Any], key: str, default: int,
           top: int = 100_000) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        config.problem(f"serve.{key}", f"must be a whole number from 1 to {top}")
        return default
    return value


def _path(config: Loading, value: Any, key: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        config.problem(key, "must be a path string")
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and config.path is not None:
        path = config.path.parent / path
    return path


class _Keys:
    """Collects keys from every place; a key claimed by two names counts for neither."""

    def __init__(self, config: Loading) -> None:
        self.config = config
        self.found: dict[str, Identity] = {}
        self.clashes: set[str] = set()

    def add(self, where: str, line: Any, name: str, watching: bool) -> None:
        if not isinstance(line, str):
            self.config.problem(where, "must be a public key string")
            return
        try:
            digest = fingerprint(line)
        except FiredeskError as exc:
            self.config.problem(where, str(exc))
            return
        identity = Identity(name, digest, watching, where)
        earlier = self.found.get(digest)
        if earlier is not None and (earlier.name, earlier.watching) != (name, watching):
            self.config.problem(where, f"key {digest} also belongs to {earlier.kind} "
                                f"{earlier.name!r} ({earlier.source}): refused for both")
            self.clashes.add(digest)
        self.found.setdefault(digest, identity)

    def result(self) -> dict[str, Identity]:
        return {k: v for k, v in self.found.items() if k not in self.clashes}


def _table_keys(keys: _Keys, entries: Any, section: str, watching: bool,
                people: set[str]) -> None:
    if entries is None:
        return
    if not isinstance(entries, list):
        keys.config.problem(section, f"must be an array of tables ([[{section}]])")
        return
    for index, entry in enumerate(entries):
        where = f"{section}[{index}]"
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        listed = entry.get("ssh_keys")
        if watching and (not isinstance(name, str) or not name.strip()):
            keys.config.problem(where, "needs a name")
            continue
        if watching and name in people:
            keys.config.problem(f"{where}.name", f"{name!r} is also a person: a watcher needs "
                                "a name of its own")
            continue
        if listed is None:
            continue
        if not isinstance(listed, list):
            keys.config.problem(f"{where}.ssh_keys", "must be a list of public keys")
            continue
        if not isinstance(name, str):
            continue  # [[people]] without a name: parse_config already said so
        for number, line in enumerate(listed):
            keys.add(f"{where}.ssh_keys[{number}]", line, name, watching)


def _file_keys(keys: _Keys, path: Path, people: set[str]) -> None:
    """authorized_keys-style lines: `person="Ana" ssh-ed25519 AAAA… comment`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        keys.config.problem("serve.authorized_keys", f"cannot read {path}: {exc.strerror}")
        return
    except UnicodeDecodeError:
        keys.config.problem("serve.authorized_keys", f"{path} is not UTF-8 text")
        return
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith("#"):
            continue
        if line.split(maxsplit=1)[0] in KEY_TYPES:
            options: dict[str, str] = {}
        else:
            try:
                options, line = _quoted_options(line)
            except ValueError:
                keys.config.problem(where, "cannot read the options before the key")
                continue
        unknown = set(options) - {"person", "watcher"}
        if unknown:
            keys.config.problem(where, f"unknown option {sorted(unknown)[0]!r} (use person=\"NAME\" "
                                "or watcher=\"NAME\")")
            continue
        if len(options) != 1:
            keys.config.problem(where, "name who the key belongs to: person=\"NAME\" or "
                                "watcher=\"NAME\" before the key")
            continue
        (kind, name), = options.items()
        if kind == "person" and name not in people:
            keys.config.problem(where, f"no [[people]] entry named {name!r}")
            continue
        if kind == "watcher" and name in people:
            keys.config.problem(where, f"{name!r} is a person, not a watcher")
            continue
        keys.add(where, line, name, kind == "watcher")


def _quoted_options(line: str) -> tuple[dict[str, str], str]:
    """Split `person="Ana Lima" ssh-ed25519 AAAA…` at the key type, honouring quotes."""
    found = [at for at in (line.find(f" {kind} ") for kind in KEY_TYPES) if at > 0]
    if not found:
        raise ValueError("no key type")
    at = min(found)
    options = {}
    for option in shlex.split(line[:at].replace(",", " ")):
        name, _, value = option.partition("=")
        options[name] = value
    return options, line[at + 1:]


def parse_serve(config: Loading) -> ServeSettings:
    """Read `[serve]`, `[[people]] ssh_keys`, `[[watchers]]` and the authorized_keys file
    (once, in `load_config`: `config.serve`)."""
    raw = config.raw
    table = raw.get("serve", {})
    if not isinstance(table, dict):
        config.problem("serve", "must be a table ([serve])")
        table = {}
    host = table.get("host", DEFAULT_HOST)
    if not (isinstance(host, str) and host.strip()):
        config.problem("serve.host", "must be an address string")
        host = DEFAULT_HOST
    authorized_keys = _path(config, table.get("authorized_keys"), "serve.authorized_keys")
    people = {p.name for p in config.people}
    keys = _Keys(config)
    _table_keys(keys, raw.get("people"), "people", False, people)
    _table_keys(keys, raw.get("watchers"), "watchers", True, people)
    if authorized_keys is not None:
        _file_keys(keys, authorized_keys, people)
    return ServeSettings(
        host=host,
        port=_count(config, table, "port", DEFAULT_PORT, top=65535),
        host_key=_path(config, table.get("host_key"), "serve.host_key"),
        authorized_keys=authorized_keys,
        max_sessions=_count(config, table, "max_sessions", DEFAULT_MAX_SESSIONS),
        idle_timeout=_seconds(config, table, "idle_timeout", DEFAULT_IDLE_TIMEOUT,
                              allow_never=True),
        max_auth_attempts=_count(config, table, "max_auth_attempts",
                                 DEFAULT_MAX_AUTH_ATTEMPTS, top=100),
        login_timeout=_seconds(config, table, "login_timeout",
                               DEFAULT_LOGIN_TIMEOUT) or DEFAULT_LOGIN_TIMEOUT,
        keys=keys.result(),
    )


class KeyBook:
    """The keys the server knows, re-read when firedesk.toml or the authorized_keys file
    changes (a new responder needs no restart); a broken file keeps the last good keys."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = config.serve
        self.problems: list[str] = [str(p) for p in config.problems]
        self._stamp = self._stamps()

    def _files(self) -> list[Path]:
        return [p for p in (self.config.path, self.settings.authorized_keys) if p is not None]

    def _stamps(self) -> tuple:
        out = []
        for path in self._files():
            try:
                stat = path.stat()
                out.append((str(path), stat.st_mtime_ns, stat.st_size))
            except OSError:
                out.append((str(path), None, None))
        return tuple(out)

    def refresh(self) -> list[str]:
        """Re-read if a file changed; returns the problems found in the new files."""
        stamp = self._stamps()
        if stamp == self._stamp:
            return []
        self._stamp = stamp
        try:
            config = (parse_config(read_toml(self.config.path), self.config.path)
                      if self.config.path is not None else self.config)
        except ConfigError as exc:
            return [f"{exc}; keeping the keys read before"]
        self.config = config
        # New keys count at once; the address and limits are the server's until a restart.
        self.settings = replace(self.settings, keys=config.serve.keys,
                                authorized_keys=config.serve.authorized_keys)
        self.problems = [str(p) for p in config.problems]
        return self.problems

    def identity(self, digest: str) -> Identity | None:
        return self.settings.keys.get(digest)
