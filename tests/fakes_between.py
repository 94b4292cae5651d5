"""Loopback stand-ins for the SaaS APIs the between-incidents features call, speaking
their documented formats: Slack incoming webhooks and GitHub's REST issues API."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server:
    def __init__(self, handler):  # noqa: ANN001
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _answer(handler, code: int, body: bytes, content_type: str) -> None:  # noqa: ANN001
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class FakeSlack(_Server):
    """Incoming webhooks: POST /services/T/B/ok → 200 "ok"; …/archived → 410
    "channel_is_archived"; a body without text → 400 "invalid_payload" (Slack's answers)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json" \
                        or not isinstance(body, dict) or not body.get("text"):
                    _answer(self, 400, b"invalid_payload", "text/plain")
                    return
                outer.posts.append((self.path, body))
                if self.path.endswith("/archived"):
                    _answer(self, 410, b"channel_is_archived", "text/plain")
                else:
                    _answer(self, 200, b"ok", "text/plain")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)

    def hook(self, name: str) -> str:
        return f"{self.url}/services/T000/B000/{name}"


TOKEN = "ghp_between_0123456789"


class FakeGitHub(_Server):
    """POST /repos/{o}/{r}/issues → 201 (labels checked), POST …/issues/{n}/comments → 201,
    GET /repos/{o}/{r} → 200. A bad token → 401; `fail_next` answers one request with that
    status; an unknown repository → 404. API base may carry a GHE prefix (/api/v3)."""

    def __init__(self, prefix: str = "", repo: str = "acme/caseflow") -> None:
        self.requests: list[dict] = []
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, list[str]] = {}
        self.fail_next: int | None = None
        self.prefix = prefix
        self.repo = repo
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "body": json.loads(raw or b"{}")})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._json(401, {"message": "Bad credentials"})
                    return
                if outer.fail_next:
                    code, outer.fail_next = outer.fail_next, None
                    self._json(code, {"message": "Server Error" if code >= 500 else "Validation Failed"})
                    return
                base = f"{outer.prefix}/repos/{outer.repo}/issues"
                body = outer.requests[-1]["body"]
                if self.path == base:
                    if not body.get("title") or not isinstance(body.get("labels", []), list):
                        self._json(422, {"message": "Validation Failed"})
                        return
                    number = len(outer.issues) + 1
                    outer.issues[number] = body
                    html = f"https://github.example/{outer.repo}/issues/{number}"
                    self._json(201, {"number": number, "html_url": html, "state": "open",
                                     "labels": [{"name": n} for n in body.get("labels", [])]})
                    return
                match = re.fullmatch(re.escape(base) + r"/(\d+)/comments", self.path)
                if match and int(match.group(1)) in outer.issues and body.get("body"):
                    number = int(match.group(1))
                    outer.comments.setdefault(number, []).append(body["body"])
                    n = len(outer.comments[number])
                    self._json(201, {"id": 1000 + n, "html_url":
                                     f"https://github.example/{outer.repo}/issues/{number}#issuecomment-{1000 + n}"})
                    return
                self._json(404, {"message": "Not Found"})

            def _json(self, code: int, data: dict) -> None:
                _answer(self, code, json.dumps(data).encode(), "application/json; charset=utf-8")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)

    @property
    def api(self) -> str:
        return self.url + self.prefix
