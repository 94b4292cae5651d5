"""The HTML postmortem opened in a real headless browser (Debian's chromium).

Skips cleanly when chromium is not installed (apt-get install chromium). The screenshot
is kept at tests/golden/postmortem-INC-1.png only when FIREDESK_UPDATE_GOLDEN=1, for a
person to look at; the test asserts what the browser itself reports: it rendered the
document's text, loaded nothing from outside, and printed it to PDF.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from review_story import record_checkout_incident

from firedesk.review.export import build_postmortem, render

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed "
                                "(apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage"]


def _browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)


@pytest.fixture
def page(store, clock, tmp_path) -> Path:
    incident = record_checkout_incident(store, clock)
    path = tmp_path / "postmortem.html"
    path.write_text(render(build_postmortem(store, incident, zone="Europe/Berlin"), "html"),
                    encoding="utf-8")
    return path


def test_browser_renders_the_document_text(page, tmp_path):
    result = _browser(tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Post-mortem: INC-1 — Checkout requests timing out" in dom
    assert "Detection and response" in dom and "For the review meeting" in dom
    assert "Connection pool exhausted since deploy 4512" in dom
    assert "no owner" in dom


def test_screenshot_and_print(page, tmp_path):
    shot = tmp_path / "postmortem.png"
    result = _browser(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600",
                      "--hide-scrollbars", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 1600)
    assert len(data) > 50_000  # a page of text and tables, not a blank canvas
    if os.environ.get("FIREDESK_UPDATE_GOLDEN") == "1":
        shutil.copy(shot, Path(__file__).parent / "golden" / "postmortem-INC-1.png")
    pdf = tmp_path / "postmortem.pdf"
    result = _browser(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF") and printed.count(b"/Type /Page\n") + printed.count(
        b"/Type/Page") + printed.count(b"/Type /Page ") >= 1


def test_page_is_self_contained(page):
    text = page.read_text()
    assert "<script" not in text
    assert "http://" not in text and "https://" not in text and "src=" not in text
    assert "default-src 'none'" in text
