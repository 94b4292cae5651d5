"""Running the incident: triage checklists, hypotheses, tasks, impact, stakeholder
updates and handover. Textual-free: the CLI and the console both call these functions.

Every change writes its current-state row and its timeline event in one `store.write()`.
Timeline kinds written here (data keys in brackets):
  checklist {item, state, from, note, list, attached?} · hypothesis {hypothesis, likelihood}
  · likelihood {hypothesis, from, to} · conclusion {hypothesis, conclusion, evidence}
  · task {task, owner, check_in_at} · task-done / task-dropped {task, owner, note}
  · task-check-in {task, check_in_at} · impact {what, scope, since}
  · update {audiences, template} · update-delivery {update, audience, ok, detail, status}
  · handover-offered {to, note} · handover-accepted {offered_by, offered_at, to}
  · handover-withdrawn {to} · role {role: leader, person, previous, handover} on acceptance.
"""


def check_config(config) -> None:  # noqa: ANN001 (firedesk.config.Config)
    """Parse every section this capability reads, recording problems on the config
    (for `firedesk doctor`): [checklists.*], [[services]] checklists, [comms.audiences.*],
    comms.send_timeout_seconds, [nag]."""
    from firedesk.model import Incident
    from firedesk.response.checklist import parse_template, templates_for
    from firedesk.response.updates import audiences_from, send_timeout
    from firedesk.roles.nag import nag_settings

    configured = config.section("checklists") or {}
    if isinstance(configured, dict):
        for name, data in configured.items():
            if name != "default":
                parse_template(name, data, config)
    templates_for(None, config)  # the default list (or its replacement), and its shape
    services = config.section("services")
    names = ([s.get("name") for s in services if isinstance(s, dict)] if isinstance(services, list)
             else list(services) if isinstance(services, dict) else [])
    for service in names:
        if isinstance(service, str):
            probe = Incident(0, "", "SEV3", "investigating", service, None, "", "", None, "")
            templates_for(probe, config)
    audiences_from(config)
    send_timeout(config)
    nag_settings(config)
