"""`firedesk oncall`, `wake`, `coverage`, `page` and `doctor`, run as real subprocesses with
fixed instants (`--at`), never the real clock."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures_oncall"
PAYMENTS = str(FIXTURES / "payments.toml")
BEBOP = str(FIXTURES / "three_timezones.toml")


def run_json(firedesk, *args: str):
    result = firedesk(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_wake_json_shape(firedesk):
    data = run_json(firedesk, "--config", PAYMENTS, "wake", "checkout-api", "--at", "2026-12-04T03:00Z")
    assert set(data) == {"service", "at", "tiers"}
    assert data["service"] == "checkout-api" and data["at"] == "2026-12-04T03:00:00.000000Z"
    for tier in data["tiers"]:
        assert set(tier) == {"tier", "wait", "candidates"}
        for candidate in tier["candidates"]:
            assert set(candidate) == {"person", "local_time", "timezone", "awake", "away",
                                      "replaced_by", "reason", "contacts"}
    tier1 = data["tiers"][0]
    assert (tier1["tier"], tier1["wait"]) == (1, "10m")
    # Ana is on vacation; Priya covers and is awake in India.
    assert [(c["person"], c["awake"], c["away"], c["replaced_by"]) for c in tier1["candidates"]] == [
        ("Priya", True, False, None), ("Ana", False, True, "Priya")]
    assert tier1["candidates"][0]["local_time"] == "2026-12-04T08:30+05:30"
    assert tier1["candidates"][0]["reason"] == (
        "covering primary for payments for Ana (away) until Sun 00:00 Europe/Berlin")


def test_wake_plain_text_says_awake_asleep_and_away_in_words(firedesk):
    result = firedesk("--config", PAYMENTS, "wake", "checkout-api", "--at", "2026-12-04T03:00Z")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "tier 1 (then wait 10m)" in out
    assert "Priya: Fri 08:30 Asia/Kolkata, awake" in out
    assert "Ana: Fri 00:00 America/Sao_Paulo, away, Priya covers" in out
    assert "Lukas: Fri 04:00 Europe/Berlin, asleep (wakes 07:30)" in out
    assert out.rstrip().endswith("first awake: Priya")


def test_wake_unknown_service_is_one_line(firedesk, tmp_path):
    config = tmp_path / "firedesk.toml"
    config.write_text(Path(PAYMENTS).read_text().split("[[escalation]]\ndefault = true")[0])
    result = firedesk("--config", str(config), "wake", "nope", "--at", "2026-12-04T03:00Z")
    assert result.returncode == 1
    assert result.stderr.startswith("firedesk: error: no service 'nope' in [[services]]")
    assert "Traceback" not in result.stderr


def test_oncall_json_lists_every_layer(firedesk):
    data = run_json(firedesk, "--config", PAYMENTS, "oncall", "--at", "2026-12-04T03:00Z")
    assert data["at"] == "2026-12-04T03:00:00.000000Z"
    layers = {layer["rotation"]: layer for layer in data["layers"]}
    assert set(layers) == {"payments-primary", "payments-secondary", "ff-managers"}
    primary = layers["payments-primary"]
    assert primary == {
        "rotation": "payments-primary", "team": "payments", "layer": "primary",
        "person": "Priya", "scheduled": "Ana", "away": True, "timezone": "Asia/Kolkata",
        "local_time": "2026-12-04T08:30+05:30", "awake": True,
        "from": "2026-12-02T23:00:00.000000Z", "until": "2026-12-05T23:00:00.000000Z",
    }
    assert layers["ff-managers"]["person"] == "Braden"


def test_oncall_plain_and_at_forms(firedesk):
    result = firedesk("--config", PAYMENTS, "oncall", "--at", "2026-11-24T04:00+01:00")
    assert result.returncode == 0, result.stderr
    assert "payments-primary    primary    Lukas    Tue 04:00 Europe/Berlin     asleep  Tue 09:00 Europe/Berlin" in result.stdout
    result = firedesk("--config", PAYMENTS, "oncall", "--at", "next tuesday")
    assert result.returncode == 1
    assert result.stderr.startswith("firedesk: error: cannot read time 'next tuesday'")


def test_coverage_json_for_the_three_timezone_set(firedesk):
    data = run_json(firedesk, "--config", BEBOP, "coverage", "--days", "28", "--at", "2026-11-02T00:00Z")
    (report,) = data["sets"]
    assert report["set"] == "bebop"
    assert report["rotations"] == ["ff-india", "ff-europe", "ff-south-america"]
    assert report["uncovered_minutes"] == 28 * 60
    assert report["gaps"][0] == {"from": "2026-11-02T02:30:00.000000Z", "to": "2026-11-02T03:30:00.000000Z",
                                 "minutes": 60, "on_call": ["Aarav", "Lukas", "Paulo"]}
    assert [r["person"] for r in report["consecutive"]] == ["Camila"]


def test_coverage_plain_and_filters(firedesk):
    result = firedesk("--config", BEBOP, "coverage", "--days", "2", "--at", "2026-11-02T00:00Z",
                      "--rotation", "ff-india", "--rotation", "ff-europe")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ff-india, ff-europe (ff-india, ff-europe): ")
    assert "nobody awake on call over 2 days" in result.stdout
    result = firedesk("--config", BEBOP, "coverage", "--team", "nope")
    assert result.returncode == 1 and "no team 'nope'" in result.stderr


def test_page_records_on_the_timeline(firedesk):
    firedesk("--config", PAYMENTS, "declare", "checkout down", "-s", "SEV1", "--service",
             "checkout-api", check=True)
    result = firedesk("--config", PAYMENTS, "page", "INC-1", "priya")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "INC-1 #2 paged Priya via phone +91 98000 00001"
    result = firedesk("--config", PAYMENTS, "page", "1", "Mei", "--via", "chat")
    assert result.stdout.strip().endswith("paged Mei via chat @mei")
    result = firedesk("--config", PAYMENTS, "page", "1", "Mei", "--via", "email")
    assert result.returncode == 1
    assert result.stderr.strip() == "firedesk: error: Mei has no email in the config (contacts: chat)"
    result = firedesk("--config", PAYMENTS, "page", "1", "Nobody")
    assert result.returncode == 1 and "no person 'Nobody'" in result.stderr
    events = run_json(firedesk, "--config", PAYMENTS, "timeline", "1")
    paged = [e for e in events if e["kind"] == "paged"] if isinstance(events, list) else [
        e for e in events["events"] if e["kind"] == "paged"]
    assert [e["text"] for e in paged] == ["paged Priya via phone +91 98000 00001",
                                          "paged Mei via chat @mei"]
    assert paged[0]["data"] == {"person": "Priya", "via": "phone", "address": "+91 98000 00001"}


def test_doctor_lists_on_call_problems(firedesk, tmp_path):
    config = tmp_path / "firedesk.toml"
    config.write_text(Path(PAYMENTS).read_text().replace(
        'members = ["Priya", "Ana", "Lukas"]\nstart', 'members = ["Priya", "Ana", "Zed"]\nstart', 1
    ).replace('waking_hours = "22:00-14:00"', 'waking_hours = "late"'))
    result = firedesk("--config", str(config), "doctor")
    out = result.stdout + result.stderr
    assert f"{config}: rotations[0].members: 'Zed' is not a person in [[people]]" in out
    assert f"{config}: people[3].waking_hours: cannot read waking hours 'late'" in out
    wake = firedesk("--config", str(config), "wake", "checkout-api", "--at", "2026-12-04T03:00Z")
    assert wake.returncode == 0
    # the third: without Zed the turns change, so Ana holds no shift in her override
    assert f"{config}: overrides[0]: Ana holds no payments-primary shift" in out
    assert "firedesk: warning: 3 config problems (firedesk doctor lists them)" in wake.stderr


def test_ical_rotation_relative_to_the_config_file(firedesk, tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "night.ics").write_bytes((FIXTURES / "grafana_levels.ics").read_bytes())
    config = folder / "firedesk.toml"
    config.write_text("""
[[people]]
name = "Lukas"
timezone = "Europe/Berlin"
[[people]]
name = "Priya"
email = "priya@example.com"
timezone = "Asia/Kolkata"

[[rotations]]
name = "payments-days-and-nights"
layer = "primary"
ical = "night.ics"
""")
    data = run_json(firedesk, "--config", str(config), "oncall", "--at", "2026-01-06T20:00Z")
    (layer,) = data["layers"]
    assert (layer["person"], layer["timezone"], layer["until"]) == (
        "Priya", "Asia/Kolkata", "2026-01-07T08:00:00.000000Z")
    assert firedesk("--config", str(config), "doctor").stdout.count("rotations[0]") == 0


def test_plain_output_makes_hostile_config_text_visible(firedesk, tmp_path):
    config = tmp_path / "firedesk.toml"
    config.write_text(Path(PAYMENTS).read_text().replace('"Priya"', '"Pri\\u001b[2Jya"'))
    result = firedesk("--config", str(config), "wake", "checkout-api", "--at", "2026-12-04T03:00Z")
    assert result.returncode == 0, result.stderr
    assert "Pri^[[2Jya: Fri 08:30 Asia/Kolkata, awake" in result.stdout
    assert "\x1b" not in result.stdout
    result = firedesk("--config", str(config), "oncall", "--at", "2026-12-04T03:00Z")
    assert "Pri^[[2Jya" in result.stdout and "\x1b" not in result.stdout


def test_at_far_away_is_refused_in_one_line(firedesk):
    for far in ("9999-12-31T00:00Z", "+99999999w", "-3000000d"):
        result = firedesk("--config", PAYMENTS, "oncall", "--at", far)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"firedesk: error: '{far}' is too far away; use a time between 1970 and 2200")


def test_wake_for_an_unknown_service_says_so_and_still_answers(firedesk):
    from pathlib import Path

    config = Path(__file__).parent / "fixtures_oncall" / "payments.toml"
    result = firedesk("--config", str(config), "wake", "chekout-api", "--at", "2026-11-22T03:00Z",
                      check=True)
    assert "the default escalation policy" in result.stdout
    assert "chekout-api is not in [[services]]" in result.stdout and "checkout-api" in result.stdout
