"""Where the policy page check may connect: public addresses only, the very address that was checked.

A customer's URL is outside input, and with `serve` the check runs on the machine that serves the app, so a URL
that leads to loopback, a private network or a cloud's metadata address (169.254.169.254) would be a server-side
request forgery. `PinnedTransport` resolves each request's host once, refuses it unless every address it resolves
to is public, and connects to the address it checked (the Host header and the TLS server name stay the URL's
name), so DNS cannot answer differently between the check and the connect. Each redirect is a new request, so it
is checked again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias

import httpx

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver: TypeAlias = Callable[[str, int], Awaitable[list[str]]]
"""(host, port) → the addresses it resolves to, as text."""


class NotPublic(Exception):
    """The host resolves to an address the page check must not connect to."""


def is_public(address: IPAddress) -> bool:
    """Reachable on the public internet: not loopback, private, link-local, multicast, reserved, unspecified,
    shared or documentation space, nor an IPv6 address that embeds such an IPv4 one (mapped, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        teredo = address.teredo[1] if address.teredo else None
        embedded = address.ipv4_mapped or address.sixtofour or teredo
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_loopback
                                      or address.is_link_local or address.is_unspecified or address.is_private)


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves `host` to (hosts file and DNS)."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


@dataclass(frozen=True)
class Reach:
    """How the check finds a host's address (`resolve`) and which addresses it may connect to (`permits`)."""

    resolve: Resolver = system_resolve
    permits: Callable[[IPAddress], bool] = is_public

    async def address(self, host: str, port: int) -> str:
        """The one address to connect to for `host`; NotPublic unless every address it resolves to is permitted."""
        answers = await self.resolve(host.strip("[]"), port)
        addresses: list[IPAddress] = []
        for text in answers:
            try:
                addresses.append(ipaddress.ip_address(text.split("%")[0]))
            except ValueError:
                raise NotPublic(host) from None
        if not addresses or not all(self.permits(a) for a in addresses):
            raise NotPublic(host)
        return str(addresses[0])


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only to the address `reach` checked (see the module doc)."""

    def __init__(self, reach: Reach) -> None:
        self._reach = reach
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host
        address = await self._reach.address(name, request.url.port or 443)
        request.url = request.url.copy_with(host=address)  # the Host header keeps the name
        request.extensions = {**request.extensions, "sni_hostname": name}  # and TLS checks the name
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
