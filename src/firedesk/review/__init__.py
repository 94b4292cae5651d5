"""The blameless review: postmortem export, lint, publishing, search, metrics, replay.

Textual-free: everything here reads the record and returns plain data or text.
"""
