"""Hostile text through every running-the-incident way out: CLI listings, the composer
draft, the brief, one-line errors, and the console's composer and panes."""

from __future__ import annotations

import json

import pytest

from firedesk.response.checklist import check_item
from firedesk.response.handover import offer_handover
from firedesk.response.hypotheses import conclude_hypothesis, propose_hypothesis
from firedesk.response.impact import record_impact
from firedesk.response.tasks import assign_task
from firedesk.store import declare_incident
from hostile import HOSTILE, assert_terminal_safe

NASTY = " | ".join(v for k, v in HOSTILE.items() if k != "very long line")


@pytest.fixture
def hostile_incident(store):
    incident = declare_incident(store, NASTY, severity="SEV2", author="lead")
    check_item(store, incident, "database", author=NASTY, note=NASTY)
    propose_hypothesis(store, incident, NASTY, author="lead")
    propose_hypothesis(store, incident, "second", author="lead")
    conclude_hypothesis(store, incident, "H2", "ruled-out", evidence=NASTY, author="lead")
    assign_task(store, incident, NASTY, owner=NASTY, author="lead")
    record_impact(store, incident, NASTY, author="lead", scope="many")
    offer_handover(store, incident, NASTY, author="lead", note=NASTY)
    return incident


def test_cli_outputs_stay_terminal_safe(firedesk, hostile_incident):
    for args in (("checklist", "1"), ("hypotheses", "1"), ("tasks", "1"), ("impact", "1"),
                 ("update", "1", "--draft"), ("update", "1", "--draft", "--template", "executive"),
                 ("handover", "1", "--brief"), ("show", "1")):
        result = firedesk(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert_terminal_safe(result.stdout)
    refused = firedesk("accept", "1")  # offered to the hostile name, not to `tester`
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert_terminal_safe(refused.stderr)
    stored = json.loads(firedesk("show", "1", "--json").stdout)
    assert stored["impact"]["what"] == NASTY  # stored exactly; only the display is escaped


async def test_console_composer_and_panes_stay_terminal_safe(db_path, clock, hostile_incident):
    from textual.widgets import OptionList, TextArea

    from firedesk.screens.update_composer import UpdateComposer
    from test_console_helpers import build_app, settle
    from test_response_console import wait_for_screen

    app = build_app(db_path, clock, hostile_incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        items = app.screen.query_one("#checklist-items", OptionList)
        for option in items.options:
            assert_terminal_safe(str(option.prompt), multiline=False)
        assert_terminal_safe(str(app.screen.query_one("#checklist-impact").render()))
        items.focus()
        await pilot.press("w")
        composer = await wait_for_screen(pilot, UpdateComposer)
        assert_terminal_safe(composer.query_one("#composer-text", TextArea).text)
