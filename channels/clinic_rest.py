"""Rasa's REST channel with the limits a public web page needs.

Same URL (/webhooks/rest/webhook) and the same request and response format as
Rasa's RestInput; before a message reaches the pipeline it is checked by
clinicbot.inbound: a sender is required (400 otherwise, so two people never
share the "default" conversation), messages over 2,000 characters get a short
reply asking for less without running the pipeline, metadata keeps only the
keys the product uses, and typed "/intent" commands are read as words unless
they are the bot's own button payloads.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from clinicbot.content import cached_content
from clinicbot.inbound import Inbound, Refused, check

CHECKED = "clinic_inbound"


def _own_payloads() -> List[str]:
    content = cached_content()
    return [payload for buttons in content.response_buttons.values() for _, payload in buttons]


class ClinicRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return getattr(req.ctx, CHECKED).sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        return getattr(req.ctx, CHECKED).text

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return getattr(request.ctx, CHECKED).metadata or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def checked(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = request.json
            except Exception:  # sanic raises its own error for broken JSON
                body = None
            try:
                inbound: Inbound = check(body, _own_payloads())
            except Refused as error:
                return response.json({"error": str(error)}, status=400)
            if inbound.too_long:
                content = cached_content()
                return response.json([{"recipient_id": inbound.sender, "text": content.render(
                    content.responses["message_too_long"])}])
            setattr(request.ctx, CHECKED, inbound)
            return None

        return webhook
