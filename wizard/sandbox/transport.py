"""An httpx transport (sync and async) answering from a Sandbox, with its FaultPlan on the flow's paths."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from wizard.sandbox.fake import Sandbox, route
from wizard.sandbox.faults import Draw
from wizard.sandbox.request import error_body

_FAULT_MESSAGES = {
    429: "Too Many Requests",
    500: "An internal server error has occurred",
    503: "Service Unavailable",
}


class SandboxTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        draw = self._draw(request)
        if draw.slow:
            time.sleep(self.sandbox.faults.slow_seconds)
        return self._answer(request, request.read(), draw)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        draw = self._draw(request)
        if draw.slow:
            await asyncio.sleep(self.sandbox.faults.slow_seconds)
        return self._answer(request, await request.aread(), draw)

    def _draw(self, request: httpx.Request) -> Draw:
        return self.sandbox.fault_injector.draw() if route(request.url.path) else Draw()

    def _answer(self, request: httpx.Request, body: bytes, draw: Draw) -> httpx.Response:
        if draw.fault in ("429", "5xx"):
            headers = {"Content-Type": "application/json"}
            if draw.status == 429 and self.sandbox.faults.retry_after is not None:
                headers["Retry-After"] = f"{self.sandbox.faults.retry_after:g}"
            code = 20429 if draw.status == 429 else 20500
            content = json.dumps(error_body(draw.status, code, _FAULT_MESSAGES[draw.status])).encode()
            return httpx.Response(draw.status, headers=headers, content=content, request=request)
        status, headers, content = self.sandbox.handle(
            request.method, str(request.url), request.headers, body
        )
        if draw.fault == "lost":
            raise httpx.ReadTimeout(
                "The sandbox performed the request, then the response was lost (injected fault)",
                request=request,
            )
        return httpx.Response(status, headers=headers, content=content, request=request)
