"""The policy page check against pages served over https on 127.0.0.1 (a local CA from trustme): never the internet."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests import factories as f
from wizard.customer import page_check
from wizard.customer.policy_pages import pages

GOOD = pages(f.profile(), f.bundle(), f.campaign())
PAGES = {
    "/privacy": ("text/html", GOOD[0].html().encode()),
    "/terms": ("text/html; charset=utf-8", GOOD[1].html().encode()),
    "/bare": ("text/html", b"<html><body><h1>Privacy</h1><p>We respect your privacy.</p></body></html>"),
    "/sharing": ("text/html", b"<p>SMS program. Reply STOP, HELP. Message frequency varies. Msg & data rates may apply."
                              b" We may share your mobile number with our marketing partners.</p>"),
    "/pdf": ("application/pdf", b"%PDF-1.4"),
    "/huge": ("text/plain", b"x" * 3_000_000 + b" STOP HELP SMS frequency message and data rates"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.seen.append((self.path, self.headers.get("User-Agent"), self.headers.get("Cookie")))
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Set-Cookie", "tracker=1")
            self.end_headers()
            return
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/privacy")
            self.send_header("Set-Cookie", "tracker=1")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(page_check.TIMEOUT + 1)
        if self.path not in PAGES:
            self.send_error(404)
            return
        kind, body = PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    folder = tmp_path_factory.mktemp("tls")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSL_CERT_FILE", str(folder / "ca.pem"))  # httpx trusts the local CA, and only it
        yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def rules(site: str, field: str, path: str, *, live: bool = True) -> dict[str, str]:
    return {f.rule: f.severity for f in await page_check.check_page(field, site + path, live=live)}


async def test_the_starter_pages_pass_the_check(site: str):
    assert await rules(site, "privacy_policy_url", "/privacy") == {}
    assert await rules(site, "terms_url", "/terms") == {}
    assert Handler.seen[-1][1] == page_check.USER_AGENT


async def test_a_page_lacking_the_clauses_gets_a_warning_for_each(site: str):
    found = await rules(site, "privacy_policy_url", "/bare")
    assert found == dict.fromkeys(("policy.no-sms", "policy.no-stop", "policy.no-help", "policy.no-frequency",
                                   "policy.no-rates", "policy.no-sharing-statement"), "warn")
    assert "policy.no-sharing-statement" not in await rules(site, "terms_url", "/bare")  # privacy policy only


async def test_sharing_with_marketing_partners_is_not_the_non_sharing_statement(site: str):
    assert await rules(site, "privacy_policy_url", "/sharing") == {"policy.no-sharing-statement": "warn"}


@pytest.mark.parametrize("path", ["/missing", "/loop", "/pdf", "/slow"])
@pytest.mark.slow
async def test_a_page_nobody_can_read_blocks_in_live_mode_and_warns_in_the_sandbox(site: str, path: str):
    assert await rules(site, "terms_url", path) == {"policy.unreachable": "block"}
    assert await rules(site, "terms_url", path, live=False) == {"policy.unreachable": "warn"}


async def test_redirects_are_followed_without_sending_cookies_back(site: str):
    Handler.seen.clear()
    assert await rules(site, "privacy_policy_url", "/moved") == {}
    assert [(p, c) for p, _, c in Handler.seen] == [("/moved", None), ("/privacy", None)]
    Handler.seen.clear()
    await rules(site, "privacy_policy_url", "/loop")
    assert len(Handler.seen) == page_check.MAX_REDIRECTS + 1 and all(c is None for *_, c in Handler.seen)


async def test_a_huge_page_is_read_only_up_to_the_limit(site: str):
    page = await page_check.fetch(site + "/huge")
    assert len(page.text) == page_check.PAGE_LIMIT  # the clauses past the limit are not seen
    assert "policy.no-stop" in await rules(site, "terms_url", "/huge")


async def test_plain_http_is_refused_before_anything_is_sent():
    with pytest.raises(ValueError, match="not https"):
        await page_check.fetch("http://127.0.0.1:9/privacy")


def test_lint_fetch_reports_the_pages_of_a_json_file(site: str, tmp_path: Path, capsys):
    from wizard.cli import main

    row = f.csv_row("K1", privacy_policy_url=site + "/bare", terms_url=site + "/terms")
    (tmp_path / "c.json").write_text(__import__("json").dumps(row))
    code = main(["lint", str(tmp_path / "c.json"), "--fetch"])
    out = capsys.readouterr().out
    assert "policy.no-sharing-statement" in out and "policy.unreachable" not in out  # both pages were read
    assert code == 1 and "not an IP address" in out  # (a real customer's page is never at an IP address)
