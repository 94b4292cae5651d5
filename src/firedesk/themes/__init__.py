"""Console themes as data: one TOML file per theme in this directory.

A broken or missing theme file must never stop an incident: `load_themes` returns what
loaded and a list of problems, and `pick_theme` falls back to the default with a notice.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import BUILTIN_THEMES, Theme

THEME_DIR = Path(__file__).parent
DEFAULT_THEME = "dark"
# Short names people type (--theme dark) → the registered theme names.
SHORT_NAMES = {"dark": "firedesk-dark", "light": "firedesk-light",
               "high-contrast": "firedesk-high-contrast", "ansi": "ansi-dark"}
_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
           "background", "surface", "panel", "boost")

# Used when even dark.toml cannot be read: the console still starts, readable.
FALLBACK = Theme(
    name="firedesk-dark", primary="#4f9cf9", secondary="#a78bfa", accent="#f59e0b",
    foreground="#e5e7eb", background="#111318", surface="#1a1d24", panel="#242833",
    warning="#f59e0b", error="#f87171", success="#4ade80", dark=True,
)


@dataclass
class LoadedThemes:
    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def theme_from_data(data: dict, source: str) -> Theme:
    """Build a Theme from a parsed TOML table; ValueError names what is wrong."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{source}: needs a name")
    if not isinstance(data.get("primary"), str):
        raise ValueError(f"{source}: needs a primary colour")
    values = {}
    for key in _FIELDS:
        if key in data:
            if not isinstance(data[key], str):
                raise ValueError(f"{source}: {key} must be a colour string")
            values[key] = data[key]
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError(f"{source}: [variables] must map names to strings")
    theme = Theme(name=name, dark=bool(data.get("dark", True)), variables=dict(variables),
                  luminosity_spread=float(data.get("luminosity_spread", 0.15)),
                  text_alpha=float(data.get("text_alpha", 0.95)), **values)
    theme.to_color_system().generate()  # fails here on a colour Textual cannot read
    return theme


def load_themes(directory: Path = THEME_DIR) -> LoadedThemes:
    """Every `*.toml` theme in `directory`; broken files become problems, not crashes."""
    loaded = LoadedThemes()
    for path in sorted(directory.glob("*.toml")):
        try:
            with path.open("rb") as handle:
                theme = theme_from_data(tomllib.load(handle), path.name)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, TypeError,
                Exception) as exc:  # any failure in a theme file is a notice, never a crash
            loaded.problems.append(f"theme file {path.name} is broken ({exc}); skipped")
            continue
        loaded.themes[path.stem] = theme
    if DEFAULT_THEME not in loaded.themes:
        loaded.themes[DEFAULT_THEME] = FALLBACK
    return loaded


def pick_theme(wanted: str | None, loaded: LoadedThemes) -> tuple[str, str | None]:
    """(theme name to register/use, notice or None). Unknown names fall back to the default."""
    if not wanted:
        return loaded.themes[DEFAULT_THEME].name, None
    if wanted in loaded.themes:
        return loaded.themes[wanted].name, None
    for theme in loaded.themes.values():
        if theme.name == wanted:
            return theme.name, None
    if SHORT_NAMES.get(wanted, wanted) in BUILTIN_THEMES:
        return SHORT_NAMES.get(wanted, wanted), None
    choices = ", ".join(sorted(set(loaded.themes) | {"ansi"}))
    return (loaded.themes[DEFAULT_THEME].name,
            f"theme {wanted!r} is not available; using {DEFAULT_THEME} (choices: {choices})")
