"""The app in a browser: textual-serve starts one app process per browser tab, all on one data folder.

Each tab's process is `python -m wizard` with the serving command's data folder and mode flags, so every tab
shares the store, the settings and the sandbox; secrets stay where the app already reads them (the environment,
config.toml), never on a command line (a --store URL reaches the tabs as A2P_STORE_URL in their environment).
textual-serve has no login of its own, hence loopback unless asked, and a WebSocket only from the page's own origin
(another site open in the operator's browser cannot drive the app).
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import shlex
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

from wizard.desk import mount_receiver
from wizard.errors import OperatorError, StoreError, shown
from wizard.session.startup import Mode, SetupError, Startup, VisibleFormatter

NO_LOGIN = ("textual-serve has no authentication of its own: anyone who can reach this address gets the app, "
            "and with it your Twilio account. Serve it only behind a proxy that asks for a login over TLS "
            "(see For teams in the README), and give that proxy's address with --public-url.")


def loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback one (a name is resolved; one that fails is not)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in found)


def app_command(*, home: str | None, mode: Mode | None, mock_brand: bool | None) -> str:
    """The shell command run for each browser tab: this Python, this data folder and mode, and no secret."""
    argv = [sys.executable, "-m", "wizard"]
    if home:
        argv += ["--data-dir", str(Path(home).expanduser().resolve())]
    if mode:
        argv.append(f"--{mode}")
    if mock_brand:
        argv.append("--mock-brand")
    return shlex.join(argv)


def origin(url: str) -> str:
    """scheme://host[:port] of `url`, as a browser sends it in an Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def unavailable(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on now (None when it can), checked as asyncio's server binds."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as error:
        return f"cannot resolve {host}: {getattr(error, 'strerror', None) or error}"
    for family, kind, proto, _, address in found:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRNOTAVAIL:  # a family this machine lacks (asyncio skips it too)
                    continue
                if error.errno == errno.EADDRINUSE:
                    return f"port {port} on {host} is in use by another program: pick another with --port"
                return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


class AppServer(Server):
    """textual-serve's server with our start line, plain logs, a same-origin WebSocket, and Twilio's callbacks
    received on a path of their own when a callback URL is configured."""

    receiving: dict[str, object] | None = None
    """Where the receiver's installation is (home, mode, store_url); None: no receiver."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        if self.receiving is not None:
            try:
                line = mount_receiver(app, **self.receiving)  # type: ignore[arg-type]
            except OperatorError as error:
                print(f"a2p-wizard: warning: not receiving Twilio's callbacks: {shown(error)}", file=sys.stderr)
            else:
                if line:
                    print(shown(line), flush=True)
        return app

    def initialize_logging(self) -> None:
        # Not textual-serve's rich tracebacks with local variables: a child's environment holds the Twilio secrets.
        # Requests are logged as the browsers sent them: through the sanitiser.
        handler = logging.StreamHandler()
        handler.setFormatter(VisibleFormatter("%(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler])

    async def on_startup(self, app: web.Application) -> None:
        print(f"Serving a2p-wizard on {shown(self.public_url)} (one app per browser tab; ctrl+c stops)", flush=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        sent = request.headers.get("Origin")
        if sent is not None and sent.lower() != origin(self.public_url):
            raise web.HTTPForbidden(text=f"Open the app at {self.public_url}.")
        return await super().handle_websocket(request)


def serve(*, host: str, port: int, allow_remote: bool, public_url: str | None, home: str | None,
          mode: Mode | None, mock_brand: bool | None, store_url: str | None = None) -> int:
    """Serve the app until stopped; 2 for a non-loopback host without `allow_remote`, 1 when it cannot start.
    `store_url` (--store) is handed to every tab's process in its environment, not on its command line."""
    if not loopback(host):
        if not allow_remote:
            print(f"a2p-wizard: refusing to serve on {shown(host)}, which is not a loopback address. "
                  f"{NO_LOGIN} Add --allow-remote once it is, or keep the default --host 127.0.0.1.", file=sys.stderr)
            return 2
        print(f"a2p-wizard: warning: serving on {shown(host)}, beyond this machine. {NO_LOGIN}", file=sys.stderr)
    try:
        Startup.open(home=home, mode=mode, store_url=store_url).close()  # what cannot work fails here, not per tab
    except (SetupError, StoreError) as error:
        print(f"a2p-wizard: {shown(error)}", file=sys.stderr)
        return 1
    if reason := unavailable(host, port):
        print(f"a2p-wizard: {shown(reason)}", file=sys.stderr)
        return 1
    if store_url:
        os.environ["A2P_STORE_URL"] = store_url  # the tabs' processes inherit it (textual-serve copies os.environ)
    bracketed = f"[{host}]" if ":" in host else host
    server = AppServer(app_command(home=home, mode=mode, mock_brand=mock_brand), host=host, port=port,
                       title="a2p-wizard", public_url=(public_url or f"http://{bracketed}:{port}").rstrip("/"))
    server.receiving = {"home": home, "mode": mode, "store_url": store_url}
    try:
        server.serve()
    except OSError as error:  # taken between the check and the bind
        print(f"a2p-wizard: cannot listen on {shown(host)}:{port}: {shown(error.strerror or error)}", file=sys.stderr)
        return 1
    return 0
