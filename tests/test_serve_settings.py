"""Who a key belongs to, the server's limits, its host key and its refusal log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from firedesk.config import parse_config, read_toml
from firedesk.errors import FiredeskError
from firedesk.serve.hostkey import host_key_fingerprint, load_or_generate
from firedesk.serve.server import RefusalLog
from firedesk.serve.settings import KeyBook, fingerprint
from serve_support import make_key, public


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return {n: public(make_key(tmp_path, n)) for n in ("ana", "bo", "bridge", "both")}


def settings_from(tmp_path: Path, text: str):  # noqa: ANN201
    path = tmp_path / "firedesk.toml"
    path.write_text(text)
    config = parse_config(read_toml(path), path)
    return config.serve, [str(p) for p in config.problems]


def test_people_watchers_and_an_authorized_keys_file_name_each_key(tmp_path, keys):
    (tmp_path / "authorized_keys").write_text(
        f"# one line per key\n\nperson=\"Bo\" {keys['bo']}\n"
        f"watcher=\"Night bridge\" {keys['bridge']}\n")
    settings, problems = settings_from(tmp_path, f"""
[serve]
authorized_keys = "authorized_keys"
max_sessions = 7
idle_timeout = "15m"
[[people]]
name = "Ana"
ssh_keys = ["{keys['ana']}"]
[[people]]
name = "Bo"
""")
    assert problems == []
    named = {i.fingerprint: (i.name, i.watching) for i in settings.keys.values()}
    assert named == {fingerprint(keys["ana"]): ("Ana", False),
                     fingerprint(keys["bo"]): ("Bo", False),
                     fingerprint(keys["bridge"]): ("Night bridge", True)}
    assert settings.max_sessions == 7 and settings.idle_timeout == 900
    assert settings.authorized_keys == tmp_path / "authorized_keys"


def test_fingerprints_match_ssh_keygen(tmp_path):
    import subprocess

    key = make_key(tmp_path, "k")
    printed = subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True,
                             text=True, check=True).stdout.split()[1]
    assert fingerprint(public(key)) == printed


def test_bad_keys_and_a_key_given_to_two_names_are_problems_and_never_guess(tmp_path, keys):
    damaged = keys["ana"][:-12] + "!!!" + keys["ana"][-9:]
    settings, problems = settings_from(tmp_path, f"""
[serve]
max_sessions = 0
idle_timeout = "soon"
[[people]]
name = "Ana"
ssh_keys = ["{keys['both']}", "{damaged}", "ssh-dss AAAA old"]
[[watchers]]
name = "Bridge"
ssh_keys = ["{keys['both']}", "{keys['bridge']}"]
[[watchers]]
name = "Ana"
ssh_keys = ["{keys['bo']}"]
""")
    text = "\n".join(problems)
    assert "also belongs to person 'Ana'" in text and "refused for both" in text
    assert "damaged" in text and "unknown key type 'ssh-dss'" in text
    assert "serve.max_sessions" in text and "serve.idle_timeout" in text
    assert "'Ana' is also a person" in text
    assert set(settings.keys) == {fingerprint(keys["bridge"])}   # the clash counts for neither
    assert settings.max_sessions == 50 and settings.idle_timeout == 7200


def test_an_authorized_keys_line_must_name_a_known_person(tmp_path, keys):
    (tmp_path / "ak").write_text(f"{keys['ana']}\nperson=\"Zed\" {keys['bo']}\n"
                                 f"command=\"sh\" {keys['bridge']}\n")
    settings, problems = settings_from(tmp_path, '[serve]\nauthorized_keys = "ak"\n'
                                                 '[[people]]\nname = "Ana"\n')
    assert settings.keys == {}
    assert any("ak:1" in p and "person=" in p for p in problems)
    assert any("ak:2" in p and "no [[people]] entry named 'Zed'" in p for p in problems)
    assert any("ak:3" in p and "unknown option 'command'" in p for p in problems)


def test_the_key_book_rereads_a_changed_file_and_keeps_good_keys_over_a_broken_one(tmp_path,
                                                                                    keys):
    path = tmp_path / "firedesk.toml"
    path.write_text(f'[[people]]\nname = "Ana"\nssh_keys = ["{keys["ana"]}"]\n')
    book = KeyBook(parse_config(read_toml(path), path))
    assert book.identity(fingerprint(keys["bo"])) is None
    path.write_text(f'[[people]]\nname = "Ana"\nssh_keys = ["{keys["ana"]}", "{keys["bo"]}"]\n')
    os.utime(path, ns=(1, 10**18))
    assert book.refresh() == []
    assert book.identity(fingerprint(keys["bo"])).name == "Ana"
    path.write_text("[[people]\nbroken")
    os.utime(path, ns=(1, 2 * 10**18))
    assert "not valid TOML" in book.refresh()[0]
    assert book.identity(fingerprint(keys["ana"])).name == "Ana"


def test_the_host_key_is_made_once_with_mode_0600_and_then_reused(tmp_path):
    path = tmp_path / "host_key"
    made = load_or_generate(path)
    assert made.generated and (path.stat().st_mode & 0o777) == 0o600
    assert host_key_fingerprint(path) == made.fingerprint
    again = load_or_generate(path)
    assert not again.generated and again.fingerprint == made.fingerprint


def test_a_damaged_or_exposed_host_key_stops_the_server_and_is_never_replaced(tmp_path):
    path = tmp_path / "host_key"
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(FiredeskError, match="cannot read host key .*not replacing it"):
        load_or_generate(path)
    assert path.read_bytes() == b"not a key"
    good = tmp_path / "good"
    load_or_generate(good)
    good.chmod(0o644)
    with pytest.raises(FiredeskError, match="readable by others.*chmod 600"):
        load_or_generate(good)


def test_refusals_are_rate_limited_per_address():
    now = [0.0]
    lines: list[str] = []
    log = RefusalLog(lines.append, burst=3, window=60, clock=lambda: now[0])
    for _ in range(50):
        log.refused("10.0.0.9:1", "unknown key")
    log.refused("10.0.0.7:1", "unknown key")
    assert len(lines) == 4
    now[0] = 61
    log.refused("10.0.0.9:1", "unknown key")
    assert "47 more refused connection(s) not logged" in lines[4]
    assert lines[5].startswith("refused 10.0.0.9:1")


def test_doctor_shows_the_host_key_fingerprint(firedesk, tmp_path, db_path):
    config = tmp_path / "firedesk.toml"
    config.write_text(f'[serve]\nhost_key = "{tmp_path / "hk"}"\n')
    before = firedesk("--config", str(config), "doctor")
    assert f"host key not made yet (`firedesk serve` makes {tmp_path / 'hk'}" in before.stdout
    made = load_or_generate(tmp_path / "hk")
    after = firedesk("--config", str(config), "doctor")
    assert f"serve:    host key {made.fingerprint}" in after.stdout


def test_serve_refuses_as_and_explains_itself(firedesk):
    result = firedesk("--as", "mallory", "serve", "--port", "0")
    assert result.returncode == 1
    assert "--as means nothing here" in result.stderr
    assert "never passwords" in firedesk("serve", "--help").stdout
