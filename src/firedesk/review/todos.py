"""`TODO:` lines on the timeline: the scribe's convention for follow-ups to harvest.

Forms that name an owner: `TODO(priya): …`, `TODO @priya …`, `TODO: @priya …`,
`TODO [priya] …`, `TODO: … (owner: priya)`, and `TODO: Priya to …` when Priya is a
known person. Anything else is ownerless, and the review says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_TODO = re.compile(r"\bTODO\b")  # upper case only: the scribe convention, not prose
_PAREN_OWNER = re.compile(r"^\s*\(\s*@?([^()\s][^()]*?)\s*\)\s*:?\s*")
_BRACKET_OWNER = re.compile(r"^\s*:?\s*\[\s*@?([^\[\]]+?)\s*\]\s*:?\s*")
_AT_OWNER = re.compile(r"^\s*:?\s*@([\w.\-]+)[\s:,]*")
_TRAILING_OWNER = re.compile(r"\(\s*owner\s*[:=]?\s*@?([^()]+?)\s*\)\s*$", re.IGNORECASE)
_NAMED_TO = re.compile(r"^([\w.\-]+(?:\s[\w.\-]+)?)\s+to\s+\S", re.IGNORECASE)


@dataclass(frozen=True)
class Todo:
    """One harvested follow-up: what, and who owns it (None: nobody yet)."""

    text: str
    owner: str | None


def find_todos(text: str, people: Iterable[str] = ()) -> list[Todo]:
    """Every `TODO` in `text` (one per line), with its owner when the line names one."""
    known = {p.casefold(): p for p in people if p}
    found: list[Todo] = []
    for line in text.splitlines():
        match = _TODO.search(line)
        if not match:
            continue
        rest = line[match.end():]
        owner = None
        for pattern in (_PAREN_OWNER, _BRACKET_OWNER, _AT_OWNER):
            hit = pattern.match(rest)
            if hit:
                owner, rest = hit.group(1).strip(), rest[hit.end():]
                break
        rest = rest.lstrip(" :-—").strip()
        if owner is None:
            trailing = _TRAILING_OWNER.search(rest)
            if trailing:
                owner, rest = trailing.group(1).strip(), rest[:trailing.start()].rstrip()
        if owner is None:
            named = _NAMED_TO.match(rest)
            if named:
                for candidate in (named.group(1), named.group(1).split()[0]):
                    if candidate.casefold() in known:
                        owner = known[candidate.casefold()]
                        break
        found.append(Todo(rest or line.strip(), owner or None))
    return found
