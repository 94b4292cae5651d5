"""What `firedesk doctor` asks each capability: problems to list, in one place.

Config problems were gathered once, when the file was read; each capability adds its
record checks (poller failures, the search index, ...) here. Every function returns
human sentences.
"""

from __future__ import annotations

from typing import Iterable

from firedesk.config import Config


def config_problems(config: Config) -> Iterable[str]:
    """Every problem `load_config` gathered (the core's and each capability's)."""
    return [str(p) for p in config.problems]


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
    settings = config.serve
    path = settings.host_key_path(record)
    people = sum(not i.watching for i in settings.keys.values())
    keys = f"keys for {people} people, {len(settings.keys) - people} watchers"
    if not path.exists():
        return f"host key not made yet (`firedesk serve` makes {path} on first start); {keys}"
    fingerprint = host_key_fingerprint(path) or f"unknown (no readable {path.name}.pub)"
    return f"host key {fingerprint} ({path}); {keys}"
