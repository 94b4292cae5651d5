"""What `firedesk doctor` asks each capability: problems to list, in one place.

Each capability adds its checks here as it lands (config sections it owns, poller
failures, ...). Every function returns human sentences.
"""

from __future__ import annotations

from typing import Iterable

from firedesk.config import Config


def config_problems(config: Config) -> Iterable[str]:
    from firedesk.roles import role_catalog

    role_catalog(config)  # records [[roles]] problems on the config
    from firedesk.response import check_config as running_config

    running_config(config)  # checklists, comms audiences, nag (issue 6)
    from firedesk.intake.settings import receiver_settings

    receiver_settings(config)  # records [receiver] problems on the config (issue 4)
    from firedesk.review.publish import github_target

    github_target(config)  # records [publish.github] problems on the config (issue 7)
    from firedesk.review.lint import gap_setting

    gap_setting(config)  # records [review] problems on the config (issue 7)
    from firedesk.review.digest import digest_settings

    digest_settings(config)  # records [digest] problems on the config (issue 22)
    from firedesk.intake.tickets import ticket_settings

    ticket_settings(config)  # records [tickets] problems on the config (issue 22)
    from firedesk.review.analysis import analysis_rules

    analysis_rules(config)  # records [analysis] problems on the config (issue 22)
    from firedesk.oncall.readiness import readiness_settings

    readiness_settings(config)  # records [readiness] problems on the config (issue 22)
    from firedesk.serve.settings import serve_settings

    serve_settings(config)  # [serve], ssh_keys, [[watchers]], authorized_keys (issue 21)
    from firedesk.oncall import load_oncall

    oncall_problems = [str(p) for p in load_oncall(config)[1]]  # teams … escalation (issue 5)
    return [str(p) for p in config.problems] + oncall_problems


def store_problems(env) -> Iterable[str]:  # noqa: ANN001
    from firedesk.intake.poller import poll_problems

    from firedesk.review.search import index_problems

    from firedesk.intake.sns import pending_notices

    return (list(poll_problems(env.store))  # alert pollers failing or gone quiet (issue 4)
            + pending_notices(env.store)  # SNS subscriptions nobody confirmed (issue 16)
            + index_problems(env.store))  # the search index (issue 7)


def serve_summary(config: Config, record) -> str:  # noqa: ANN001
    """`firedesk serve` in one line: its host key's fingerprint and who has keys."""
    from firedesk.serve.hostkey import host_key_fingerprint
    from firedesk.serve.settings import serve_settings

    settings = serve_settings(Config(path=config.path, raw=config.raw, people=config.people))
    path = settings.host_key_path(record)
    people = sum(not i.watching for i in settings.keys.values())
    keys = f"keys for {people} people, {len(settings.keys) - people} watchers"
    if not path.exists():
        return f"host key not made yet (`firedesk serve` makes {path} on first start); {keys}"
    fingerprint = host_key_fingerprint(path) or f"unknown (no readable {path.name}.pub)"
    return f"host key {fingerprint} ({path}); {keys}"
