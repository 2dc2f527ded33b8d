"""widget/serve.py over plain HTTP: config from clinic.yml, whitelist only,
security headers. No browser, no bot."""
from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clinicbot.content import DEFAULT_CONTENT_PATH, load_content
from clinicbot.paths import PROJECT_ROOT as ROOT
from tests.widget.support import SERVE, WidgetServer

pytestmark = pytest.mark.servers

WIDGET = ROOT / "widget"
BOT_URL = "http://127.0.0.1:5999"


def request(server: WidgetServer, path: str, method: str = "GET", headers=None):
    """Sends `path` exactly as given (no client-side normalisation of .. or %2e)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def clinic_file_with_widget(tmp_path: Path, widget) -> Path:
    data = yaml.safe_load(DEFAULT_CONTENT_PATH.read_text(encoding="utf-8"))
    data["clinic"]["name"] = 'Leong & Partners <Skin> "Clinic"'
    data["widget"] = widget
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = WidgetServer(tmp_path_factory.mktemp("serve"), {"WEBCHAT_BOT_URL": BOT_URL}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def custom_server(tmp_path_factory):
    """A clinic file with a widget: section (one wrong colour, one bad quick reply)."""
    tmp = tmp_path_factory.mktemp("serve-custom")
    path = clinic_file_with_widget(tmp, {
        "primary_color": "#7a1f5c",
        "text_on_primary": "white",          # not a hex colour: left out
        "greeting": "Hello from the clinic!\n  Ask me anything.",
        "quick_replies": [
            {"title": "Prices", "message": "How much does it cost?"},
            {"title": "No message"},
        ],
    })
    env = {"CLINIC_CONTENT_FILE": str(path), "RASA_PORT": "5123", "WEBCHAT_BOT_URL": "",
           "WEBCHAT_ORIGINS": "https://www.clinic.example http://127.0.0.1:1"}
    running = WidgetServer(tmp, env).start()
    yield running
    running.stop()


def test_config_comes_from_clinic_yml(server):
    status, headers, body = request(server, "/widget-config.json")
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    config = json.loads(body)
    clinic = load_content().clinic
    assert config["clinic"] == {
        "name": clinic.name, "phone": clinic.phone, "emergency_number": clinic.emergency_number,
        "opening_hours": clinic.opening_hours, "timezone": clinic.timezone,
    }
    assert config["botUrl"] == BOT_URL
    assert config["strings"] == "strings.en.json"
    raw = yaml.safe_load(DEFAULT_CONTENT_PATH.read_text(encoding="utf-8"))
    if "widget" not in raw:
        assert config["widget"] == {}
    else:
        assert set(config["widget"]) <= set(raw["widget"])


def test_widget_section_and_default_bot_url(custom_server):
    config = json.loads(request(custom_server, "/widget-config.json")[2])
    assert config["clinic"]["name"] == 'Leong & Partners <Skin> "Clinic"'
    assert config["botUrl"] == "http://127.0.0.1:5123"        # from RASA_PORT
    assert config["widget"] == {
        "primary_color": "#7a1f5c",
        "greeting": "Hello from the clinic! Ask me anything.",
        "quick_replies": [{"title": "Prices", "message": "How much does it cost?"}],
    }
    log = custom_server.log_path.read_text()
    assert "widget.text_on_primary" in log and "widget.quick_replies[1]" in log


def test_config_is_built_per_request(tmp_path):
    path = clinic_file_with_widget(tmp_path, {"greeting": "First"})
    running = WidgetServer(tmp_path, {"CLINIC_CONTENT_FILE": str(path)}).start()
    try:
        assert json.loads(request(running, "/widget-config.json")[2])["widget"]["greeting"] == "First"
        text = path.read_text(encoding="utf-8").replace("greeting: First", "greeting: Second")
        path.write_text(text, encoding="utf-8")
        assert json.loads(request(running, "/widget-config.json")[2])["widget"]["greeting"] == "Second"
    finally:
        running.stop()


@pytest.mark.parametrize("path, name, content_type", [
    ("/clinic-chat.js", "clinic-chat.js", "text/javascript; charset=utf-8"),
    ("/clinic-chat.css", "clinic-chat.css", "text/css; charset=utf-8"),
    ("/strings.en.json", "strings.en.json", "application/json; charset=utf-8"),
    ("/clinic-chat.js?v=3", "clinic-chat.js", "text/javascript; charset=utf-8"),
])
def test_whitelisted_files(server, path, name, content_type):
    status, headers, body = request(server, path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert body == (WIDGET / name).read_bytes()


def test_strings_file_is_valid_json_with_every_key_the_script_uses():
    strings = json.loads((WIDGET / "strings.en.json").read_text(encoding="utf-8"))
    script = (WIDGET / "clinic-chat.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bS\.([A-Za-z]+)", script)) | set(re.findall(r"\bt\('([A-Za-z]+)'", script))
    assert used, "the script should take its texts from the strings file"
    assert sorted(used - set(strings)) == []


def test_demo_page_embeds_the_widget_with_one_script_tag(server, custom_server):
    status, headers, body = request(server, "/")
    page = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/clinic-chat.js" defer>']
    assert load_content().clinic.name in page
    assert "{{" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing from outside"
    escaped = request(custom_server, "/")[2].decode()
    assert "Leong &amp; Partners &lt;Skin&gt; &quot;Clinic&quot;" in escaped
    assert "<Skin>" not in escaped


@pytest.mark.parametrize("path", [
    "/../clinic/clinic.yml",
    "/%2e%2e/clinic/clinic.yml",
    "/%2e%2e/",
    "/%2E%2E%2Fclinic%2Fclinic.yml",
    "/..%2fclinic%2fclinic.yml",
    "/widget/clinic-chat.js",
    "/serve.py",
    "/demo.html",
    "/strings.en.json/",
    "/strings.en.json%00.js",
    "/strings..json",
    "/strings.../../clinic.json",
    "/clinic/clinic.yml",
    "/.git/config",
    "/etc/passwd",
])
def test_anything_else_is_refused(server, path):
    status, headers, body = request(server, path)
    assert status == 404, path
    assert b"clinic:" not in body and b"import" not in body
    assert headers["x-content-type-options"] == "nosniff"


def test_only_get_and_head(server):
    status, headers, _ = request(server, "/widget-config.json", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    status, headers, body = request(server, "/clinic-chat.js", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


@pytest.mark.parametrize("path", ["/", "/clinic-chat.js", "/widget-config.json", "/nope"])
def test_security_headers(server, path):
    headers = request(server, path)[1]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["connect-src"] == "'self' http://127.0.0.1:5999"
    assert csp["object-src"] == "'none'"
    assert "unsafe" not in headers["content-security-policy"]
    assert headers["server"] == "clinic-chat"


def test_cors_only_for_configured_origins(custom_server):
    allowed = request(custom_server, "/widget-config.json", headers={"Origin": "https://www.clinic.example"})[1]
    assert allowed["access-control-allow-origin"] == "https://www.clinic.example"
    other = request(custom_server, "/widget-config.json", headers={"Origin": "https://evil.example"})[1]
    assert "access-control-allow-origin" not in other


def test_check_command(tmp_path):
    ok = subprocess.run([sys.executable, str(SERVE), "--check"], cwd=ROOT, capture_output=True,
                        text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["clinic"]["phone"] == load_content().clinic.phone
    bad = clinic_file_with_widget(tmp_path, {"primary_color": "teal"})
    failed = subprocess.run([sys.executable, str(SERVE), "--check"], cwd=ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                            "CLINIC_CONTENT_FILE": str(bad)})
    assert failed.returncode == 1 and "widget.primary_color" in failed.stderr
