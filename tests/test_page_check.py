"""The policy page check against pages served over https on 127.0.0.1 (a local CA from trustme): never the internet.

The pages are named pages.isv-example.com, which LOCAL resolves to 127.0.0.1 and lets the check reach; the real
reach (page_check.REACH) refuses loopback, which the tests of refusals use."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from tests.support import factories as f
from wizard.customer import page_check
from wizard.customer.policy_pages import pages
from wizard.customer.public_address import Reach

NAME = "pages.isv-example.com"


async def _to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host == NAME else []


LOCAL = Reach(resolve=_to_loopback, permits=lambda address: address.is_loopback)
"""The test server's name resolved to 127.0.0.1, and loopback permitted: the content tests' reach."""

GOOD = pages(f.profile(), f.bundle(), f.campaign())
PAGES = {
    "/privacy": ("text/html", GOOD[0].html().encode()),
    "/terms": ("text/html; charset=utf-8", GOOD[1].html().encode()),
    "/bare": ("text/html", b"<html><body><h1>Privacy</h1><p>We respect your privacy.</p></body></html>"),
    "/sharing": ("text/html", b"<p>SMS program. Reply STOP, HELP. Message frequency varies. Msg & data rates may apply."
                              b" We may share your mobile number with our marketing partners.</p>"),
    "/company": ("text/html", GOOD[0].html().replace("</body>", "<p>© 2026 Zoë's Dog Walking LLC</p></body>").encode()),
    "/pdf": ("application/pdf", b"%PDF-1.4"),
    "/huge": ("text/plain", b"x" * 3_000_000 + b" STOP HELP SMS frequency message and data rates"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None, str | None]] = []
    hosts: list[str | None] = []
    names: list[str | None] = []
    """The TLS server names (SNI) the clients asked for."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.seen.append((self.path, self.headers.get("User-Agent"), self.headers.get("Cookie")))
        Handler.hosts.append(self.headers.get("Host"))
        if self.path.startswith("/to/"):  # a redirect to the address after /to/
            self.send_response(302)
            self.send_header("Location", "https://" + self.path.removeprefix("/to/"))
            self.end_headers()
            return
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
        if self.path == "/trickle":  # a byte every 0.2 s: each read is quick, the whole takes 8 s
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The https server's port on 127.0.0.1 (its certificate names NAME, 127.0.0.1 and localhost)."""
    ca = trustme.CA()
    cert = ca.issue_cert(NAME, "127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    context.sni_callback = lambda _socket, name, _context: Handler.names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSL_CERT_FILE", str(folder / "ca.pem"))  # httpx trusts the local CA, and only it
        yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def site(server: int) -> str:
    return f"https://{NAME}:{server}"


async def rules(site: str, field: str, path: str, *, live: bool = True) -> dict[str, str]:
    return {f.rule: f.severity for f in await page_check.check_page(field, site + path, live=live, reach=LOCAL)}


async def test_the_starter_pages_pass_the_check(site: str):
    assert await rules(site, "privacy_policy_url", "/privacy") == {}
    assert await rules(site, "terms_url", "/terms") == {}
    assert Handler.seen[-1][1] == page_check.USER_AGENT


async def test_a_page_lacking_the_clauses_gets_a_warning_for_each(site: str):
    found = await rules(site, "privacy_policy_url", "/bare")
    assert found == dict.fromkeys(("policy.no-sms", "policy.no-stop", "policy.no-help", "policy.no-frequency",
                                   "policy.no-rates", "policy.no-sharing-statement"), "warn")
    assert "policy.no-sharing-statement" not in await rules(site, "terms_url", "/bare")  # privacy policy only


async def test_a_page_naming_a_registered_company_gets_the_30915_warning(site: str):
    """30915 since 2026-07-17: a sole proprietor's website showing a registered company; the starter page has none."""
    found = await page_check.check_page("privacy_policy_url", site + "/company", live=True, reach=LOCAL)
    assert [(x.rule, x.severity, x.twilio_error) for x in found] == [("policy.company-name", "warn", 30915)]
    assert "('LLC')" in found[0].message


async def test_sharing_with_marketing_partners_is_not_the_non_sharing_statement(site: str):
    assert await rules(site, "privacy_policy_url", "/sharing") == {"policy.no-sharing-statement": "warn"}


@pytest.mark.parametrize("path", ["/missing", "/loop", "/pdf", "/slow"])
@pytest.mark.slow
async def test_a_page_nobody_can_read_blocks_in_live_mode_and_warns_in_the_sandbox(site: str, path: str):
    assert await rules(site, "terms_url", path) == {"policy.unreachable": "block"}
    assert await rules(site, "terms_url", path, live=False) == {"policy.unreachable": "warn"}


async def test_a_page_trickled_a_byte_at_a_time_ends_at_the_deadline(site: str):
    # each read takes 0.2 s, far within the 10 s per read
    found = await page_check.check_page("terms_url", site + "/trickle", live=True, reach=LOCAL, deadline=1.0)
    assert [(f.rule, f.message) for f in found] == [(
        "policy.unreachable", f"The terms and conditions page {site}/trickle could not be fetched within 1 s. "
                              "Twilio's reviewers must be able to open it.")]


async def test_redirects_are_followed_without_sending_cookies_back(site: str):
    Handler.seen.clear()
    assert await rules(site, "privacy_policy_url", "/moved") == {}
    assert [(p, c) for p, _, c in Handler.seen] == [("/moved", None), ("/privacy", None)]
    Handler.seen.clear()
    await rules(site, "privacy_policy_url", "/loop")
    assert len(Handler.seen) == page_check.MAX_REDIRECTS + 1 and all(c is None for *_, c in Handler.seen)


async def test_a_huge_page_is_read_only_up_to_the_limit(site: str):
    page = await page_check.fetch(site + "/huge", reach=LOCAL)
    assert len(page.text) == page_check.PAGE_LIMIT  # the clauses past the limit are not seen
    assert "policy.no-stop" in await rules(site, "terms_url", "/huge")


def test_the_page_checks_deadline_and_size_are_settings(site: str, tmp_path: Path, capsys,
                                                         monkeypatch: pytest.MonkeyPatch):
    """A2P_PAGE_CHECK_DEADLINE and A2P_PAGE_CHECK_MAX_MB reach the check that `lint --fetch` runs."""
    from wizard.cli import main

    monkeypatch.setattr(page_check, "REACH", LOCAL)
    monkeypatch.setenv("A2P_PAGE_CHECK_DEADLINE", "1")
    monkeypatch.setenv("A2P_PAGE_CHECK_MAX_MB", "4")  # the huge page's clauses, past 3 MB, are read
    row = f.csv_row("K1", privacy_policy_url=site + "/huge", terms_url=site + "/trickle")
    (tmp_path / "c.json").write_text(__import__("json").dumps(row))
    main(["lint", str(tmp_path / "c.json"), "--fetch"])
    out = capsys.readouterr().out
    assert f"{site}/trickle could not be fetched within 1 s" in out
    assert "policy.no-stop" not in out  # read to its end: STOP is there


@pytest.mark.parametrize("setting", ["A2P_PAGE_CHECK_DEADLINE=0", "A2P_PAGE_CHECK_DEADLINE=inf",
                                     "A2P_PAGE_CHECK_MAX_MB=-1", "A2P_PAGE_CHECK_MAX_MB=nan"])
def test_a_page_check_setting_out_of_bounds_is_refused(setting: str, monkeypatch: pytest.MonkeyPatch):
    from pydantic import ValidationError

    from wizard.session.settings import Settings

    name, value = setting.split("=")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        Settings.load()


async def test_plain_http_is_refused_before_anything_is_sent(site: str):
    Handler.seen.clear()
    with pytest.raises(page_check.Unfetchable, match="https"):
        await page_check.fetch(site.replace("https", "http") + "/privacy", reach=LOCAL)
    assert Handler.seen == []


def test_lint_fetch_reports_the_pages_of_a_json_file(site: str, tmp_path: Path, capsys,
                                                      monkeypatch: pytest.MonkeyPatch):
    from wizard.cli import main

    monkeypatch.setattr(page_check, "REACH", LOCAL)
    row = f.csv_row("K1", privacy_policy_url=site + "/bare", terms_url=site + "/terms")
    (tmp_path / "c.json").write_text(__import__("json").dumps(row))
    code = main(["lint", str(tmp_path / "c.json"), "--fetch"])
    out = capsys.readouterr().out
    assert "policy.no-sharing-statement" in out and "policy.unreachable" not in out  # both pages were read
    assert code == 0


SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "0.0.0.0", "[::1]",
             "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost", "LOCALHOST", "localhost.", "ｌｏｃａｌｈｏｓｔ",
             "１２７.０.０.１", "me.localhost"]
"""This machine, spelled every way a URL parser or the system's resolver reads as it."""


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_every_spelling_of_this_machine_is_refused_without_a_connection(server: int, spelling: str):
    Handler.seen.clear()
    [found] = await page_check.check_page("terms_url", f"https://{spelling}:{server}/privacy", live=True)
    assert (found.rule, found.severity) == ("policy.unreachable", "block")
    assert "could not be fetched" in found.message and "public" in found.message
    assert found.message.count("Twilio's reviewers must be able to open it.") == 1
    assert Handler.seen == []  # the server (which would answer: its certificate names 127.0.0.1) saw nothing


def _resolving_to(*addresses: str) -> Reach:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return Reach(resolve=resolve)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "0.0.0.0", "::1", "::ffff:127.0.0.1", "10.0.0.5",
                                     "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1",
                                     "240.0.0.1", "255.255.255.255", "fe80::1", "fc00::1", "ff02::1", "::",
                                     "2002:7f00:1::", "127.1", "not an address"])
async def test_a_name_resolving_to_an_inner_address_is_refused_at_connect_time(site: str, address: str):
    Handler.seen.clear()
    found = await page_check.check_page("terms_url", site + "/terms", live=True, reach=_resolving_to(address))
    assert [(f.rule, f.message.split(": ")[-1]) for f in found] == [
        ("policy.unreachable", "its host is not on a public address. Twilio's reviewers must be able to open it.")]
    assert Handler.seen == []


async def test_one_inner_address_among_public_ones_is_refused(site: str):
    reach = _resolving_to("93.184.215.14", "127.0.0.1")
    assert {f.rule for f in await page_check.check_page("terms_url", site + "/terms", live=True, reach=reach)} == {
        "policy.unreachable"}


async def test_a_public_address_is_the_one_connected_to():
    reach = _resolving_to("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert await reach.address("shop.com", 443) == "93.184.215.14"


async def test_the_checked_address_is_connected_to_with_the_name_kept_for_host_and_tls(site: str, server: int):
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:  # a name whose DNS answer changes after the check
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.0.0.5"]

    Handler.hosts.clear()
    Handler.names.clear()
    reach = Reach(resolve=rebinding, permits=lambda address: address.is_loopback)
    page = await page_check.fetch(site + "/privacy", reach=reach)
    assert page.status == 200 and "STOP" in page.text and calls == [NAME]  # resolved once, connected to that
    assert Handler.hosts == [f"{NAME}:{server}"] and Handler.names == [NAME]  # the name the URL gave


async def test_each_redirect_is_checked_again(site: str, server: int):
    permitted: list[str] = []

    def once(address: object) -> bool:  # the first hop only
        permitted.append(str(address))
        return len(permitted) == 1

    Handler.seen.clear()
    found = await page_check.check_page("terms_url", f"{site}/to/{NAME}:{server}/terms", live=True,
                                        reach=Reach(resolve=_to_loopback, permits=once))
    assert [f.rule for f in found] == ["policy.unreachable"] and "not on a public address" in found[0].message
    assert [p for p, *_ in Handler.seen] == [f"/to/{NAME}:{server}/terms"]  # the second hop was never sent


@pytest.mark.parametrize("target", ["127.0.0.1:{port}/terms", "2130706433:{port}/terms", "localhost:{port}/terms"])
async def test_a_redirect_to_this_machine_is_refused_by_the_url_rules(site: str, server: int, target: str):
    Handler.seen.clear()
    found = await page_check.check_page("terms_url", f"{site}/to/{target.format(port=server)}", live=True,
                                        reach=LOCAL)
    assert [f.rule for f in found] == ["policy.unreachable"] and "it leads to https://" in found[0].message
    assert len(Handler.seen) == 1  # the redirect only


async def test_a_closed_port_and_a_wrong_certificate_read_alike(site: str, server: int):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
    port = closed.getsockname()[1]

    async def anything(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    reach = Reach(resolve=anything, permits=lambda address: address.is_loopback)
    refused = await page_check.check_page("terms_url", f"https://{NAME}:{port}/terms", live=True, reach=reach)
    wrong_tls = await page_check.check_page("terms_url", f"https://other.isv-example.com:{server}/terms", live=True,
                                            reach=reach)
    closed.close()
    assert [f.message.replace(f"{NAME}:{port}", "X") for f in refused] == [
        f.message.replace(f"other.isv-example.com:{server}", "X") for f in wrong_tls] == [
        "The terms and conditions page https://X/terms could not be fetched. Twilio's reviewers must be able to "
        "open it."]


@pytest.mark.parametrize("error", [httpx.InvalidURL("bad"), httpx.RemoteProtocolError("bad"),
                                   httpx.StreamConsumed(), httpx.CookieConflict("c"), OSError("no route"),
                                   UnicodeError("idna")])
async def test_every_error_on_the_way_becomes_a_finding(site: str, error: Exception):
    async def failing(host: str, port: int) -> list[str]:
        raise error

    found = await page_check.check_page("terms_url", site + "/terms", live=False, reach=Reach(resolve=failing))
    assert [(f.rule, f.severity) for f in found] == [("policy.unreachable", "warn")]


async def test_a_fullwidth_name_is_read_as_a_browser_reads_it(server: int):
    assert await rules(f"https://ｐａｇｅｓ.isv-example.com:{server}", "terms_url", "/terms") == {}


def test_lint_fetch_refuses_this_machine_without_asking_it(server: int, tmp_path: Path, capsys):
    from wizard.cli import main

    Handler.seen.clear()
    for spelling in ("127.0.0.1", "127.1", "0177.0.0.1", "ｌｏｃａｌｈｏｓｔ"):
        row = f.csv_row("K1", privacy_policy_url=f"https://{spelling}:{server}/privacy",
                        terms_url=f"https://{spelling}:{server}/terms")
        (tmp_path / "c.json").write_text(__import__("json").dumps(row))
        assert main(["lint", str(tmp_path / "c.json"), "--fetch"]) == 1
        out = capsys.readouterr().out
        assert out.count("could not be fetched") == 2 and "Traceback" not in out
    assert Handler.seen == []
