"""The browser rig itself works: Debian Chromium renders a page served on localhost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.e2e_rig import run_async


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (
            b"<!doctype html><title>t</title><button onclick=\"this.textContent='ok'\">go</button>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hello_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_chromium_clicks_a_button_on_localhost(page: Page, hello_url: str) -> None:
    page.goto(hello_url)
    page.get_by_role("button").click()
    expect(page.get_by_role("button")).to_have_text("ok")


def test_async_setup_still_runs_while_the_browser_is_up(page: Page) -> None:
    async def answer() -> int:
        return 42

    assert run_async(answer()) == 42
