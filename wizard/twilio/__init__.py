"""Twilio's REST API as the flow uses it: fixed facts, operations, form encoding, errors and an httpx client.

Nothing is imported here, so the light `facts` can be read before httpx is loaded.
"""
