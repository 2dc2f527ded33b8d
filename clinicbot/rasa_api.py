"""The product's own calls to Rasa's HTTP API, authorised with Rasa's JWT support.

Each call carries a short-lived token scoped to one conversation (Rasa's
role "user" with the conversation id as username), signed with the secret
Rasa was started with (`--jwt-secret`). A leaked token opens one conversation
for a minute, never the whole API; the token is never sent to a browser.

Environment:
  RASA_API_URL         the Rasa server as this machine reaches it
                       (default http://127.0.0.1:$RASA_PORT, RASA_PORT default 5005)
  RASA_JWT_SECRET      the secret Rasa checks tokens with; if unset, read from
                       RASA_JWT_SECRET_FILE (default var/rasa-jwt-secret, which
                       scripts/run.sh creates once, mode 0600)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

import jwt
import requests

from clinicbot.paths import PROJECT_ROOT

JWT_METHOD = "HS256"
TOKEN_SECONDS = 60
DEFAULT_SECRET_FILE = Path("var") / "rasa-jwt-secret"


class RasaApiError(RuntimeError):
    """Rasa could not be reached or refused the call (the message says which)."""


def api_url(env: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if env is None else env
    url = env.get("RASA_API_URL") or f"http://127.0.0.1:{env.get('RASA_PORT') or '5005'}"
    return url.rstrip("/")


def jwt_secret(env: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if env is None else env
    if env.get("RASA_JWT_SECRET"):
        return env["RASA_JWT_SECRET"]
    path = Path(env.get("RASA_JWT_SECRET_FILE") or PROJECT_ROOT / DEFAULT_SECRET_FILE)
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError:
        secret = ""
    if not secret:
        raise RasaApiError(
            f"no RASA_JWT_SECRET and no secret in {path}; start the bot with "
            f"scripts/run.sh (it creates one) or set RASA_JWT_SECRET"
        )
    return secret


def admin_token(secret: str, seconds: int = TOKEN_SECONDS) -> str:
    """A short-lived token for the routes Rasa keeps to role "admin" (PUT /model,
    GET /status): retrain activation. Checked when a request starts, so a slow
    model load outlives it safely."""
    payload = {"user": {"username": "clinicbot", "role": "admin"}, "exp": int(time.time()) + seconds}
    return jwt.encode(payload, secret, algorithm=JWT_METHOD)


@dataclass
class RasaApi:
    base_url: str
    secret: str
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "RasaApi":
        return cls(api_url(env), jwt_secret(env))

    def token(self, conversation_id: str) -> str:
        payload = {
            "user": {"username": conversation_id, "role": "user"},
            "exp": int(time.time()) + TOKEN_SECONDS,
        }
        return jwt.encode(payload, self.secret, algorithm=JWT_METHOD)

    def _call(self, method: str, conversation_id: str, tail: str, body: Any = None) -> Any:
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{tail}"
        try:
            response = requests.request(
                method,
                url,
                json=body,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.token(conversation_id)}"},
            )
        except requests.RequestException as error:
            raise RasaApiError(
                f"the bot (Rasa at {self.base_url}) could not be reached: {type(error).__name__}"
            ) from None
        if response.status_code != 200:
            raise RasaApiError(
                f"the bot (Rasa) answered HTTP {response.status_code} to {method} .../{tail.split('?')[0]}"
            )
        return response.json()

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        tracker = self._call("GET", conversation_id, "tracker?include_events=ALL")
        return list(tracker.get("events") or [])

    def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        if events:
            self._call("POST", conversation_id, "tracker/events?include_events=NONE", events)

    def trigger_intent(self, conversation_id: str, intent: str) -> List[Dict[str, Any]]:
        """Runs the bot on `intent` as if the patient had said it; its replies."""
        answer = self._call(
            "POST",
            conversation_id,
            "trigger_intent?output_channel=collector&include_events=NONE",
            {"name": intent},
        )
        return list(answer.get("messages") or [])
