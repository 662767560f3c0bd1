"""Twilio's REST API as the flow uses it: operations, form encoding, errors and an httpx client."""

from wizard.twilio.client import TwilioClient
from wizard.twilio.errors import TwilioError
from wizard.twilio.operations import OPERATIONS, Operation

__all__ = ["OPERATIONS", "Operation", "TwilioClient", "TwilioError"]
