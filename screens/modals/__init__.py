"""Dialogs over a screen: confirmations and help."""
