"""The SSH front door: `firedesk serve`, an SSH server (asyncssh) that *is* the console.

A key names a person (the console runs as them; every event they write records the
key's fingerprint) or a watcher (the console, read-only). Each SSH session is its own
console process on its own pseudo-terminal. Never imports Textual: the server starts
fast and a session's console is another process (`firedesk.serve.session`).
"""
