"""Clinic staff console: review, correct and analyse the chatbot's conversations.

`python -m console serve` starts it (see console/__main__.py and README).

For other code (e.g. the chat-side "delete my conversation" feature):
    from console import erase_conversation
    erase_conversation(engine, sender_id)   # deletes that sender's tracker events
Importing this package does not import Flask.
"""
from console.tracker import erase_conversation

__all__ = ["erase_conversation", "create_app"]


def create_app(*args, **kwargs):
    from console.web import create_app as _create_app

    return _create_app(*args, **kwargs)
