"""One `firedesk serve` session's console: `python -m firedesk.serve.session …`.

Started by the server only, on the pty it made, with the person (or watcher) the key
belongs to: there is no `--as`, `$FIREDESK_USER` is not read, and a watcher's console is
read-only. Not a command for people (the server has already authenticated them).
"""

from __future__ import annotations

import argparse
import fcntl
import sys
import termios


def _take_the_terminal() -> None:
    """Make the pty our controlling terminal, so a resize reaches us as SIGWINCH and a
    dropped line as SIGHUP (the server started us in a session of our own)."""
    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    _take_the_terminal()
    parser = argparse.ArgumentParser(prog="firedesk.serve.session", add_help=False)
    parser.add_argument("--db", required=True)
    parser.add_argument("--config")
    parser.add_argument("--name", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--watching", action="store_true")
    args = parser.parse_args(argv)
    from firedesk.config import Config, load_config
    from firedesk.errors import FiredeskError
    from firedesk.text import visible

    try:
        from firedesk.app import make_app

        config = load_config(args.config) if args.config else Config()
        app = make_app(args.db, config, args.name, watching=args.watching, ssh_key=args.key)
    except FiredeskError as exc:
        print(f"firedesk: error: {visible(str(exc))}", file=sys.stderr)
        return 1
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
