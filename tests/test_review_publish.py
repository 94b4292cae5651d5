"""Publishing: the postmortem filed as a GitHub issue, against a local HTTP server that
checks the request the way GitHub's REST API would."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from review_story import record_checkout_incident

from firedesk.config import parse_config
from firedesk.review.publish import (
    BODY_LIMIT, GitHubTarget, PublishError, github_target, issue_body, publish_postmortem,
)
from firedesk.store import add_entry, events_for

TOKEN = "ghp_test_0123456789"


class FakeGitHub:
    """POST /repos/acme/incidents/issues → 201, when the request is what GitHub wants."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 201
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                outer.requests.append({"method": "POST", "path": self.path,
                                       "headers": dict(self.headers), "body": raw})
                problems = []
                if self.path != "/repos/acme/incidents/issues":
                    problems.append("path")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    problems.append("auth")
                if self.headers.get("Accept") != "application/vnd.github+json":
                    problems.append("accept")
                payload = json.loads(raw)
                if "post-mortem" not in payload.get("labels", []) or not payload.get("title"):
                    problems.append("payload")
                if problems or outer.status != 201:
                    code = 401 if "auth" in problems else (404 if problems else outer.status)
                    self._answer(code, {"message": "Bad credentials" if code == 401 else ",".join(problems) or "nope"})
                    return
                self._answer(201, {"number": 42, "html_url": "https://github.com/acme/incidents/issues/42"})

            def _answer(self, code, data):
                body = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github():
    with FakeGitHub() as server:
        yield server


def _target(github, token=TOKEN):
    return GitHubTarget("acme/incidents", token, github.url, ("post-mortem", "sev1"), 5.0)


def test_publish_files_the_issue_and_records_it(store, clock, github):
    incident = record_checkout_incident(store, clock)
    issue = publish_postmortem(store, incident, _target(github), author="ed", zone="Europe/Berlin")
    assert issue["number"] == 42
    [request] = github.requests
    assert request["method"] == "POST" and request["path"] == "/repos/acme/incidents/issues"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["X-GitHub-Api-Version"] == "2022-11-28"
    payload = json.loads(request["body"])
    assert payload["labels"] == ["post-mortem", "sev1"]
    assert payload["title"] == "Post-mortem: INC-1 — Checkout requests timing out"
    golden = (Path(__file__).parent / "golden" / "postmortem-INC-1.md").read_text()
    assert payload["body"] == golden
    last = events_for(store, incident.id)[-1]
    assert last.kind == "published" and last.author == "ed"
    assert last.data["url"] == "https://github.com/acme/incidents/issues/42"
    with pytest.raises(Exception, match="already published"):
        publish_postmortem(store, incident, _target(github), author="ed")
    publish_postmortem(store, incident, _target(github), author="ed", again=True)
    assert len(github.requests) == 2


def test_refused_token_files_and_records_nothing(store, clock, github):
    incident = record_checkout_incident(store, clock)
    before = len(events_for(store, incident.id))
    with pytest.raises(PublishError, match="token was refused.*Bad credentials.*nothing was filed"):
        publish_postmortem(store, incident, _target(github, token="wrong"), author="ed")
    assert len(events_for(store, incident.id)) == before


def test_unreachable_server(store, clock):
    incident = record_checkout_incident(store, clock)
    with FakeGitHub() as gone:
        url = gone.url
    target = GitHubTarget("acme/incidents", TOKEN, url, ("post-mortem",), 2.0)
    with pytest.raises(PublishError, match="cannot reach"):
        publish_postmortem(store, incident, target, author="ed")


def test_huge_record_is_cut_to_githubs_limit(store, clock):
    incident = record_checkout_incident(store, clock)
    for n in range(900):
        add_entry(store, incident, f"probe {n}: " + "latency sample ok " * 8, author="bot")
    from firedesk.review.export import build_postmortem
    from firedesk.review.md import render_markdown

    pm = build_postmortem(store, incident)
    assert len(render_markdown(pm)) > BODY_LIMIT
    body = issue_body(lambda limit: render_markdown(pm, timeline_limit=limit))
    assert len(body) <= BODY_LIMIT
    assert "further timeline entries are not shown here" in body
    assert "**RESOLVED**" in body and body.rstrip().splitlines()[-1].startswith("Integrity:")


def test_config_section_problems():
    config = parse_config({"publish": {"github": {"repo": "not a repo", "api_url": "ftp://x",
                                                  "labels": "sev1"}}})
    assert github_target(config, environ={}) is None
    keys = [p.key for p in config.problems]
    assert keys == ["publish.github.repo", "publish.github.api_url", "publish.github.labels",
                    "publish.github.token"]
    config = parse_config({"publish": {"github": {"repo": "acme/incidents"}}})
    target = github_target(config, environ={"GITHUB_TOKEN": "s3cr3t-token"})
    assert target is not None and target.issues_url == "https://api.github.com/repos/acme/incidents/issues"
    assert "s3cr3t" not in repr(target)  # the token never shows in logs


def test_cli_publish(store, clock, github, firedesk, tmp_path):
    record_checkout_incident(store, clock)
    config = tmp_path / "firedesk.toml"
    config.write_text(f'[publish.github]\nrepo = "acme/incidents"\napi_url = "{github.url}"\n'
                      'token_env = "TEST_GH_TOKEN"\n')
    result = firedesk("--config", str(config), "publish", "INC-1",
                      env={"TEST_GH_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    assert "INC-1: filed acme/incidents#42 https://github.com/acme/incidents/issues/42" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    result = firedesk("--config", str(config), "publish", "INC-1")
    assert result.returncode == 1
    assert "no token: set $TEST_GH_TOKEN" in result.stderr
