"""`firedesk lint`: what to fix in the record before the blameless review.

Four rules, each pointing at the event to correct (`firedesk note … --corrects N`; a
corrected entry is judged by its correction):

- blame-wording: words that judge people ("should have", "careless", "human error");
- person-as-cause: a responder named as the cause ("caused by ana", "ben's mistake");
- ownerless-todo: a `TODO:` with no owner;
- timeline-gap: a long silence while the incident was open that no entry explains.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Iterable

from firedesk.clock import format_duration
from firedesk.review.measures import parse_utc
from firedesk.review.export import Postmortem

DEFAULT_GAP = timedelta(minutes=30)

BLAME_PHRASES = (
    r"should(?:n't| not)? have", r"could have avoided", r"careless(?:ly|ness)?",
    r"negligen(?:t|ce)", r"sloppy", r"incompeten(?:t|ce)", r"stupid(?:ity)?", r"dumb",
    r"idiot(?:ic|s)?", r"lazy", r"reckless(?:ly)?", r"human error", r"operator error",
    r"user error", r"screwed up", r"messed up", r"dropped the ball", r"forgot to",
    r"didn't bother", r"rookie mistake", r"(?:his|her|their|your|my|'s) fault", r"at fault",
    r"whose fault", r"to blame", r"blamed?", r"blaming",
)
_BLAME = re.compile(r"(?<![\w-])(" + "|".join(BLAME_PHRASES) + r")(?![\w-])", re.IGNORECASE)
_CAUSE_VERBS = (r"broke|caused|crashed|took down|brought down|pushed (?:a|the) bad|"
                r"deployed (?:a|the) bad|deleted|dropped|misconfigured|screwed|messed|forgot|"
                r"ignored|fat-fingered")
_CAUSE_NOUNS = r"mistake|error|fault|typo|bad (?:deploy|change|push|commit|config)"
# Words that say a quiet stretch was expected.
_EXPLAINS_WAIT = re.compile(
    r"\b(wait(?:ing)?|monitor(?:ing)?|watch(?:ing)?|paus(?:e|ed|ing)|break|handover|"
    r"handing over|sleep(?:ing)?|until|next update|eta|back (?:at|in)|check(?:ing)? back|"
    r"soak(?:ing)?|bak(?:e|ing)|rolling|in progress|running)\b", re.IGNORECASE)
# The record's own bookkeeping text ("status a → b") is not prose to judge.
_BOOKKEEPING = ("declared", "role", "status", "severity", "likelihood", "task-check-in")


@dataclass(frozen=True)
class ReviewSettings:
    """`[review]`: how long a silence must be before lint asks about it."""

    gap: timedelta = DEFAULT_GAP


def parse_review(loading) -> ReviewSettings:  # noqa: ANN001 (firedesk.config.Loading)
    """Read `[review] gap = "30m"` once, at load."""
    from firedesk.clock import parse_duration
    from firedesk.errors import InvalidInput

    section = loading.section("review")
    if section is None:
        return ReviewSettings()
    if not isinstance(section, dict):
        loading.problem("review", "must be a table ([review])")
        return ReviewSettings()
    value = section.get("gap")
    if value is None:
        return ReviewSettings()
    try:
        return ReviewSettings(parse_duration(str(value)))
    except InvalidInput:
        loading.problem("review.gap", f"cannot read duration {value!r} (use e.g. 30m); using 30m")
        return ReviewSettings()


def gap_setting(config) -> timedelta:  # noqa: ANN001 (firedesk.config.Config)
    """`[review] gap`, as read at load."""
    return config.review.gap


@dataclass(frozen=True)
class Finding:
    """One thing to fix: which rule, which event, and what to do."""

    rule: str
    event_id: int | None
    at: str | None
    message: str
    excerpt: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _person_patterns(people: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for person in sorted({p for p in people if p and len(p) >= 2}, key=str.casefold):
        name = re.escape(person)
        pattern = re.compile(
            rf"(?<![\w-]){name}(?:'s)?\s+(?:{_CAUSE_VERBS})(?![\w-])"
            rf"|(?<![\w-]){name}'s\s+(?:{_CAUSE_NOUNS})(?![\w-])"
            rf"|(?:caused|triggered|broken|started|introduced) by\s+@?{name}(?![\w-])"
            rf"|because (?:of\s+)?@?{name}(?![\w-])"
            rf"|blame[sd]?\s+@?{name}(?![\w-])"
            rf"|mistake (?:by|of)\s+@?{name}(?![\w-])",
            re.IGNORECASE)
        out.append((person, pattern))
    return out


def _excerpt(text: str, start: int, end: int, around: int = 30) -> str:
    left = max(0, start - around)
    right = min(len(text), end + around)
    return (("…" if left else "") + text[left:right].replace("\n", " ")
            + ("…" if right < len(text) else ""))


def lint_postmortem(pm: Postmortem, *, gap: timedelta = DEFAULT_GAP,
                    people: Iterable[str] = ()) -> list[Finding]:
    """Every finding in the incident's record, in timeline order. `people` adds names
    beyond the incident's own responders (the config's people, the record's authors)."""
    findings: list[Finding] = []
    people = _person_patterns([*pm.people, *people])
    texts: list[tuple[int | None, str | None, str]] = [(None, pm.declared_at, pm.title)]
    if pm.summary:
        texts.append((None, pm.declared_at, pm.summary))
    for e in pm.timeline:
        if e.event_id is None or e.corrected_by or e.kind in _BOOKKEEPING:
            continue
        texts.append((e.event_id, e.at, e.text))
    # Status and severity notes are prose too; their automatic text is not.
    for e in pm.timeline:
        if e.kind in ("status", "severity") and e.event_id and not e.corrected_by \
                and not e.text.startswith(f"{e.kind} "):
            texts.append((e.event_id, e.at, e.text))

    for event_id, at, text in texts:
        where = f"#{event_id}" if event_id else "the title/summary"
        for match in _BLAME.finditer(text):
            findings.append(Finding(
                "blame-wording", event_id, at,
                f"{where} judges people ({match.group(1)!r}): say what happened and what "
                "made it make sense at the time", _excerpt(text, match.start(), match.end())))
        for person, pattern in people:
            match = pattern.search(text)
            if match:
                findings.append(Finding(
                    "person-as-cause", event_id, at,
                    f"{where} names {person} as a cause: describe the change or condition, "
                    "not who made it", _excerpt(text, match.start(), match.end())))

    for item in pm.action_items:
        if not item.owner:
            findings.append(Finding(
                "ownerless-todo", item.event_id, item.at,
                f"{item.ref} has no owner: write TODO(name): … or give it a task owner",
                item.text))

    findings.extend(_gaps(pm, gap))
    findings.sort(key=lambda f: (parse_utc(f.at) if f.at else parse_utc(pm.declared_at),
                                 f.event_id or 0, f.rule))
    return findings


def _gaps(pm: Postmortem, gap: timedelta) -> list[Finding]:
    """Silences longer than `gap` between declaration and resolution, unexplained."""
    end = pm.resolved_at
    entries = [e for e in pm.timeline if parse_utc(e.at) >= parse_utc(pm.declared_at)
               and (end is None or parse_utc(e.at) <= parse_utc(end))]
    status = "investigating"
    out = []
    for before, after in zip(entries, entries[1:]):
        if before.kind == "status" and before.data.get("to"):
            status = before.data["to"]
        silence = parse_utc(after.at) - parse_utc(before.at)
        if silence <= gap or status in ("monitoring", "resolved"):
            continue
        if _EXPLAINS_WAIT.search(before.text):
            continue
        out.append(Finding(
            "timeline-gap", before.event_id, before.at,
            f"nothing recorded for {format_duration(silence)} after "
            f"#{before.event_id} ({parse_utc(before.at):%H:%M}–{parse_utc(after.at):%H:%M} UTC): "
            "backdate what happened (note --at HH:MM) or say why it was quiet",
            before.text[:80]))
    return out
