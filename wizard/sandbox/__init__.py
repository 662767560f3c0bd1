"""The built-in sandbox: a stateful fake of the Twilio endpoints the flow uses (see app.Sandbox)."""

from wizard.sandbox.fake import Sandbox, SandboxError
from wizard.sandbox.faults import FaultPlan
from wizard.sandbox.server import serve
from wizard.sandbox.transport import SandboxTransport
from wizard.sandbox.triggers import CPAAS_PREFIX, TRIGGERS

__all__ = ["CPAAS_PREFIX", "TRIGGERS", "FaultPlan", "Sandbox", "SandboxError", "SandboxTransport", "serve"]
