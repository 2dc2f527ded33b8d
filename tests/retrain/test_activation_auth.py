"""Retrain activation against a real Rasa server with Rasa's JWT support only:
the right secret loads a model, a wrong secret or an expired token is refused,
and `?token=` keeps working for the evaluators' /model/parse."""

from __future__ import annotations

import time
from typing import Iterator

import jwt
import pytest

from clinicbot.rasa_api import JWT_METHOD, admin_token
from harness.servers import MODEL, Bot, http
from retrain.activation import activate

pytestmark = pytest.mark.servers

SECRET = "activation-tests-jwt-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def jwt_bot(tmp_path_factory) -> Iterator[Bot]:
    bot = Bot(tmp_path_factory.mktemp("jwt-bot"), env={"RASA_JWT_SECRET": SECRET}).start()
    yield bot
    bot.stop()


def status_with(bot: Bot, token: str) -> int:
    return http("GET", bot.url + "/status", headers={"Authorization": f"Bearer {token}"})[0]


def test_activation_loads_a_model_with_the_jwt_secret_alone(jwt_bot):
    [result] = activate([jwt_bot.url], SECRET, MODEL)
    assert result["status"] == "activated", result
    assert status_with(jwt_bot, admin_token(SECRET)) == 200


def test_activation_with_a_wrong_secret_is_refused_and_says_why(jwt_bot):
    [result] = activate([jwt_bot.url], "not-the-secret-rasa-was-started-with", MODEL)
    assert result["status"] == "failed"
    assert "HTTP 401" in result["detail"] and "RASA_JWT_SECRET" in result["detail"]


def test_activation_without_a_secret_fails_clearly(jwt_bot):
    [result] = activate([jwt_bot.url], None, MODEL)
    assert result["status"] == "failed" and "RASA_JWT_SECRET" in result["detail"]


def test_expired_or_conversation_scoped_tokens_cannot_load_models(jwt_bot):
    # Past sanic-jwt's 3 minutes of clock leeway.
    expired = jwt.encode(
        {"user": {"username": "clinicbot", "role": "admin"}, "exp": int(time.time()) - 600},
        SECRET,
        algorithm=JWT_METHOD,
    )
    assert status_with(jwt_bot, expired) == 401
    patient = jwt.encode(
        {"user": {"username": "web-1", "role": "user"}, "exp": int(time.time()) + 60},
        SECRET,
        algorithm=JWT_METHOD,
    )
    assert status_with(jwt_bot, patient) == 403
    assert http("GET", jwt_bot.url + "/status")[0] == 401


def test_the_api_token_still_works_for_evaluators(jwt_bot):
    assert jwt_bot.parse("how much does it cost")["intent"]["name"]
