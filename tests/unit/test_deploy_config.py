"""The nginx configs a clinic renders for production."""

from pathlib import Path

from deploy.render_nginx import render


def test_the_rasa_load_balancer_never_logs_patients_messages():
    config = render(Path("/srv/nginx"), "0.0.0.0:80", ["rasa-1:5005", "rasa-2:5005"])
    assert "$request_body" not in config
    assert "$BODY_FIELD" not in config
    assert "server rasa-1:5005" in config and "server rasa-2:5005" in config


def test_only_an_explicit_test_setting_logs_bodies():
    config = render(Path("/srv/nginx"), 8000, ["127.0.0.1:5005"], log_request_bodies=True)
    assert '"body":"$request_body"' in config
