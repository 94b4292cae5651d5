"""firedesk: the incident console that still works when everything else is on fire."""

__version__ = "0.1.0"
