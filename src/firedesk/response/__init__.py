"""Running the incident: triage checklists, hypotheses, tasks, impact, stakeholder
updates and handover. Textual-free: the CLI and the console both call these functions.

Every change writes its current-state row and its timeline event in one `store.write()`.
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
