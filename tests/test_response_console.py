"""Pilot tests of running the incident in the console: the checklist pane, tasks and
hypotheses, the update composer (with a real local webhook), the handover brief and
accept, and the role nag. Real SQLite file, frozen clock, no sleeps."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, SelectionList, TextArea

from firedesk.config import Config, Person, parse_config
from firedesk.response.checklist import checklist_for
from firedesk.response.handover import offer_handover, pending_handover
from firedesk.response.hypotheses import hypotheses_for, propose_hypothesis
from firedesk.response.tasks import assign_task, tasks_for
from firedesk.screens.handover import HandoverScreen
from firedesk.screens.response_form import ResponseForm
from firedesk.screens.response_work import WorkScreen
from firedesk.screens.update_composer import UpdateComposer
from firedesk.store import assign_role, declare_incident, events_for, resolve_incident
from firedesk.widgets.checklist import ChecklistPane
from test_console_helpers import build_app, settle
from test_response_updates import FakeSlack


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout failing", severity="SEV2", author="Dana")


async def wait_for_screen(pilot, kind):  # noqa: ANN001
    for _ in range(100):
        await settle(pilot)
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
    raise AssertionError(f"{kind.__name__} never opened (screen is {pilot.app.screen})")


def focus_checklist(app) -> OptionList:  # noqa: ANN001
    items = app.screen.query_one("#checklist-items", OptionList)
    items.focus()
    return items


async def test_checklist_pane_marks_items_done_na_and_with_a_note(db_path, clock, store, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ChecklistPane)
        assert pane.highlighted_item().id == "database"
        focus_checklist(app)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("down", "minus")
        await settle(pilot)
        await pilot.press("down", "e")
        form = await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"DNS ok", "enter")
        await settle(pilot)
        items = {i.id: i for i in checklist_for(store, incident)}
        assert items["database"].state == "done" and items["database"].by == "tester"
        assert items["network"].state == "na"
        assert items["servers"].state == "done" and items["servers"].note == "DNS ok"
        assert form is not app.screen
        summary = str(app.screen.query_one("#checklist-summary").render())
        assert summary.startswith("3/14 checked · 0 tasks · 0 hyp")


async def test_tasks_and_hypotheses_dialog(db_path, clock, store, incident):
    propose_hypothesis(store, incident, "cache stampede", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        focus_checklist(app)
        await pilot.press("k")
        work = await wait_for_screen(pilot, WorkScreen)
        await pilot.press("k")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"check the CDN", "enter", *"Marco", "enter")
        app.screen.query_one("#form-check_in", Input).value = "10m"
        await pilot.press("enter")
        await wait_for_screen(pilot, WorkScreen)
        task = tasks_for(store, incident.id)[0]
        assert (task.owner, task.text) == ("Marco", "check the CDN")
        assert task.check_in_at.startswith("2026-11-22T03:10")
        clock.advance(minutes=11)
        work.query_one("#work").render_items()
        text = "\n".join(str(o.prompt) for o in work.query_one("#work-items", OptionList).options)
        assert "T1 OVERDUE 1m Marco: check the CDN" in text
        # The highlighted hypothesis: rule it out with evidence.
        options = work.query_one("#work-items", OptionList)
        options.highlighted = [o.id for o in options.options].index("hyp:1")
        await pilot.press("minus")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"hit rate normal", "enter")
        await wait_for_screen(pilot, WorkScreen)
        found = hypotheses_for(store, incident.id)[0]
        assert (found.state, found.evidence) == ("ruled-out", "hit rate normal")
        options.highlighted = [o.id for o in options.options].index("task:1")
        await pilot.press("x")
        await settle(pilot)
        assert tasks_for(store, incident.id)[0].state == "done"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, WorkScreen)


async def test_update_composer_prefills_records_and_reports_a_failed_webhook(db_path, clock, store,
                                                                         incident):
    slack = FakeSlack()
    try:
        config = parse_config({"comms": {"audiences": {
            "eng": {"slack_webhook": slack.url("/broken")}, "support": {}}}})
        assign_task(store, incident, "call the processor", owner="Marco", author="Dana")
        app = build_app(db_path, clock, incident.id, config=config)
        notices: list[str] = []
        app.notify = lambda message, **kw: notices.append(str(message))  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            focus_checklist(app)
            await pilot.press("w")
            composer = await wait_for_screen(pilot, UpdateComposer)
            area = composer.query_one("#composer-text", TextArea)
            assert area.text.startswith("Conditions: INC-1 · SEV2 · investigating")
            assert "- In progress: Marco: call the processor" in area.text
            await pilot.press("ctrl+t")
            await settle(pilot)
            assert area.text.startswith("INC-1 · SEV2 · investigating — Checkout failing")
            picks = composer.query_one("#composer-audiences", SelectionList)
            picks.select("eng")
            area.load_text("We are rolling back the 03:00 deploy.")
            await pilot.press("ctrl+s")
            for _ in range(50):
                await settle(pilot)
                if any(e.kind == "update-delivery" for e in events_for(store, incident.id)):
                    break
            kinds = [(e.kind, e.text) for e in events_for(store, incident.id)]
            assert ("update", "We are rolling back the 03:00 deploy.") in kinds
            assert any(k == "update-delivery" and "Slack answered 500" in t for k, t in kinds)
            assert any("Not sent to eng: Slack answered 500" in n and "recorded" in n
                       for n in notices)
            assert slack.bodies[0]["text"].endswith("We are rolling back the 03:00 deploy.")
    finally:
        slack.close()


async def test_offered_person_sees_the_brief_and_accepts(db_path, clock, store, incident):
    assign_role(store, incident, "leader", "Dana", author="Dana")
    offer_handover(store, incident, "Priya", author="Dana", note="night shift")
    app = build_app(db_path, clock, incident.id, actor="Priya")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for_screen(pilot, HandoverScreen)
        brief = str(screen.query_one("#handover-brief").render())
        assert "# Handover: INC-1 — Checkout failing" in brief
        assert "Dana offers you the lead" in str(screen.query_one("#handover-offer").render())
        await pilot.press("a")
        await settle(pilot)
        assert resolve_incident(store, incident.id).roles["leader"] == ["Priya"]
        assert pending_handover(store, incident.id) is None
        assert not isinstance(app.screen, HandoverScreen)


async def test_someone_else_cannot_accept_and_the_leader_can_offer(db_path, clock, store, incident,
                                                                tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assign_role(store, incident, "leader", "tester", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        focus_checklist(app)
        await pilot.press("b")
        screen = await wait_for_screen(pilot, HandoverScreen)
        await pilot.press("a")  # nothing is offered: a notice, nothing written
        await settle(pilot)
        assert resolve_incident(store, incident.id).roles["leader"] == ["tester"]
        await pilot.press("o")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"Marco", "enter", "enter")
        await wait_for_screen(pilot, HandoverScreen)
        assert pending_handover(store, incident.id).to == "Marco"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (tmp_path / "handover-INC-1.md").read_text().startswith("# Handover: INC-1")
        assert screen.data is not None


async def test_nag_shows_when_no_leader_after_a_few_minutes(db_path, clock, store, incident):
    clock.advance(minutes=2)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        nag = app.screen.query_one("#checklist-nag")
        assert not nag.display
        clock.advance(minutes=4)  # nobody writes: the pane's tick alone brings the nag
        app.screen.query_one(ChecklistPane).tick()
        await pilot.pause()
        assert nag.display
        text = str(nag.render())
        assert "No leader for 6m" in text and "No communications for 6m" in text
        assign_role(store, incident, "leader", "Dana", author="Dana")
        assign_role(store, incident, "communications", "Marco", author="Dana")
        app.refresh_panes()
        await settle(pilot)
        assert not app.screen.query_one("#checklist-nag").display


async def test_impact_is_recorded_and_shown(db_path, clock, store, incident):
    from firedesk.response.impact import impact_for

    clock.advance(minutes=20)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = app.screen.query_one("#checklist-impact")
        assert "not recorded" in str(line.render())
        focus_checklist(app)
        await pilot.press("m")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"EU checkout fails", "enter", *"03:05", "up", "up", "enter")
        await settle(pilot)
        found = impact_for(store, incident.id)
        assert (found.what, found.scope) == ("EU checkout fails", "many")
        assert found.since.startswith("2026-11-22T03:05")
        assert str(line.render()) == "Impact: EU checkout fails (many customers) since 03:05 UTC"


async def test_new_hypothesis_likelihood_and_check_in_from_the_dialog(db_path, clock, store,
                                                                      incident):
    assign_task(store, incident, "watch the queue", owner="Priya", author="Dana", check_in="5m")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        focus_checklist(app)
        await pilot.press("k")
        work = await wait_for_screen(pilot, WorkScreen)
        await pilot.press("y")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"the 03:00 deploy", "down", "down", "enter")  # likelihood medium
        await wait_for_screen(pilot, WorkScreen)
        assert [(h.text, h.likelihood) for h in hypotheses_for(store, incident.id)] == [
            ("the 03:00 deploy", "medium")]
        options = work.query_one("#work-items", OptionList)
        options.highlighted = [o.id for o in options.options].index("hyp:1")
        await pilot.press("e")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press("down", "enter")  # medium → high
        await wait_for_screen(pilot, WorkScreen)
        assert hypotheses_for(store, incident.id)[0].likelihood == "high"
        clock.advance(minutes=7)
        options.highlighted = [o.id for o in options.options].index("task:1")
        await pilot.press("e")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press("enter")  # default: check back in 15m from now
        await wait_for_screen(pilot, WorkScreen)
        assert tasks_for(store, incident.id)[0].check_in_at.startswith("2026-11-22T03:22")


@pytest.mark.parametrize("key,kind", [("f4", UpdateComposer), ("f5", WorkScreen),
                                      ("f6", HandoverScreen)])
async def test_function_keys_open_the_dialogs_from_anywhere(db_path, clock, incident, key, kind):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await wait_for_screen(pilot, kind)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, kind)


async def test_hypothesis_from_the_entry_line_is_concluded_in_the_dialog(db_path, clock, store,
                                                                         incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h", *"db failover", "enter")
        await settle(pilot)
        await pilot.press("f5")
        work = await wait_for_screen(pilot, WorkScreen)
        options = work.query_one("#work-items", OptionList)
        ids = [o.id for o in options.options]
        noted = next(i for i in ids if i and i.startswith("noted:"))
        options.highlighted = ids.index(noted)
        await pilot.press("x")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"failover at 03:00", "enter")
        await wait_for_screen(pilot, WorkScreen)
        found = hypotheses_for(store, incident.id)
        assert [(h.text, h.state, h.evidence) for h in found] == [
            ("db failover", "confirmed", "failover at 03:00")]
        text = "\n".join(str(o.prompt) for o in options.options)
        assert "H1 confirmed db failover" in text and "noted" not in text


async def test_the_picker_tells_the_offered_person_and_the_incident_opens_on_the_brief(
        db_path, clock, store, incident):
    from firedesk.screens.picker import PickerScreen

    declare_incident(store, "A second fire", severity="SEV3", author="Dana")  # so the picker shows
    assign_role(store, incident, "leader", "Dana", author="Dana")
    offer_handover(store, incident, "Priya", author="Dana")
    app = build_app(db_path, clock, None, actor="Priya")
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await wait_for_screen(pilot, PickerScreen)
        for _ in range(50):
            await settle(pilot)
            if incident.id in getattr(picker, "handovers", {}):
                break
        options = picker.query_one("#incidents", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("handover offered to you by Dana" in p and "Checkout failing" in p for p in prompts)
        assert not any("handover offered" in p and "A second fire" in p for p in prompts)
        app.open_incident(incident.id)
        await wait_for_screen(pilot, HandoverScreen)
