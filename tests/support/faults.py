"""Faults on chosen requests only: the sandbox's fault plan on the first n requests of one method."""

from __future__ import annotations

import random

import httpx

from wizard.flow.engine import Engine
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.faults import FaultInjector, FaultPlan
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD


class FaultsOn(httpx.AsyncBaseTransport):
    """The sandbox with its fault plan on the first `n` requests of `method` only (None: every request);
    records (method, path, status or "lost") of every request."""

    def __init__(self, sandbox: Sandbox, n: int, method: str | None = "POST") -> None:
        self.sandbox, self.inner, self.n, self.method, self.seen = sandbox, SandboxTransport(sandbox), n, method, []
        self.faulty, self.clean, self.hits = sandbox.fault_injector, FaultInjector(FaultPlan()), 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self.method in (None, request.method) and self.hits < self.n
        self.hits += target
        self.sandbox.fault_injector = self.faulty if target else self.clean
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TimeoutException:
            self.seen.append((request.method, request.url.path, "lost"))
            raise
        self.seen.append((request.method, request.url.path, response.status_code))
        return response

    def posts(self) -> list[tuple[str, str, int | str]]:
        return [s for s in self.seen if s[0] == "POST"]


def engine_with(rt: Runtime, transport: httpx.AsyncBaseTransport, slept: list[float] | None = None) -> Engine:
    async def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)

    client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD), transport=transport,
                          sleep=sleep, rng=random.Random(3))
    return Engine(rt.store, client, primary_profile_sid=rt.sandbox.PRIMARY_PROFILE_SID, clock=rt.sandbox.clock)
