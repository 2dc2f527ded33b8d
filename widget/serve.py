"""Serves the clinic chat widget and a demo clinic page (standard library only).

    WEBCHAT_PORT=8080 .venv/bin/python widget/serve.py
    .venv/bin/python widget/serve.py --check     # validate and print the widget config

Routes (nothing else is served; no directory listing, no file paths):
  /                   demo clinic page (widget/demo.html) with the widget embedded
  /clinic-chat.js     the widget
  /clinic-chat.css    its styles
  /strings.en.json    its texts (and any widget/strings.<lang>.json translation)
  /widget-config.json built per request from clinic/clinic.yml
  /demo.css           the demo page's styles
  POST /conversation/messages
                      messages the patient's widget did not get as replies to
                      its own (live handoff: staff messages, notices, the call
                      back offer), read from Rasa's HTTP API on the browser's
                      behalf. Authorised by the conversation's own key: the
                      widget makes a random key and its sender id is
                      "web-" + the first 32 hex digits of SHA-256(key), so
                      only the browser that holds the key can read it.

Environment:
  WEBCHAT_HOST        interface to listen on (default 127.0.0.1)
  WEBCHAT_PORT        port (default 8080)
  WEBCHAT_BOT_URL     the Rasa server as browsers reach it
                      (default http://127.0.0.1:$RASA_PORT, RASA_PORT default 5005)
  WEBCHAT_ORIGINS     space-separated origins of clinic pages that embed the
                      widget from another origin (default: this server's own);
                      they may fetch widget-config.json and the strings.
  WEBCHAT_READ_TIMEOUT
                      seconds a connection may wait between two reads of its
                      request before it is closed (default 10)
  WEBCHAT_MAX_CONNECTIONS
                      connections served at once, one thread each (default 64);
                      above it a connection gets 503 at once, without a thread
  CLINIC_CONTENT_FILE the clinic file (default clinic/clinic.yml)
  VERBOSE             1: log every request (default: server errors only)
  RASA_API_URL, RASA_JWT_SECRET
                      how this server reaches Rasa's HTTP API (clinicbot/rasa_api.py);
                      the browser never gets a Rasa token
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlsplit

import yaml

WIDGET_DIR = Path(__file__).resolve().parent
ROOT = WIDGET_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clinicbot.content import CONTENT_PATH_ENV, DEFAULT_CONTENT_PATH, ContentError, cached_content  # noqa: E402
from clinicbot import handoff  # noqa: E402
from clinicbot.env_settings import number_setting  # noqa: E402
from clinicbot.rasa_api import RasaApi, RasaApiError  # noqa: E402

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"

# URL path -> (file in widget/, content type). Only these are ever read.
STATIC_FILES: Dict[str, Tuple[str, str]] = {
    "/clinic-chat.js": ("clinic-chat.js", JS),
    "/clinic-chat.css": ("clinic-chat.css", CSS),
    "/strings.en.json": ("strings.en.json", JSON),
    "/demo.css": ("demo.css", CSS),
}
DEMO_PATHS = ("/", "/index.html")
CONFIG_PATH = "/widget-config.json"
# Translations: /strings.fr.json, /strings.pt-BR.json ... (no slashes or dots possible).
STRINGS_PATH = re.compile(r"^/(strings\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?\.json)$")
DEFAULT_STRINGS = "strings.en.json"

_content_lock = threading.Lock()
# One widget server offers the call back once, even to two tabs polling at once.
_unanswered_lock = threading.Lock()
MESSAGES_PATH = "/conversation/messages"
MAX_POLL_BODY = 1024
CONVERSATION_KEY = re.compile(r"^[0-9a-f]{64}$")
SENDER_ID = re.compile(r"^web-[0-9a-f]{32}$")


class PollRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def sender_for_key(key: str) -> str:
    return "web-" + hashlib.sha256(bytes.fromhex(key)).hexdigest()[:32]


def read_poll_request(raw: bytes) -> Tuple[str, Optional[int]]:
    """(sender id, event index to read from) from the widget's poll, or PollRefused."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PollRefused(400, "the body must be JSON: {sender, key, after}") from None
    if not isinstance(body, dict):
        raise PollRefused(400, "the body must be a JSON object: {sender, key, after}")
    sender, key, after = body.get("sender"), body.get("key"), body.get("after")
    if not isinstance(sender, str) or not SENDER_ID.match(sender):
        raise PollRefused(400, "'sender' must be the widget's sender id")
    if not isinstance(key, str) or not CONVERSATION_KEY.match(key):
        raise PollRefused(400, "'key' must be 64 lowercase hex digits")
    if after is not None and (
        isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= 10**9
    ):
        raise PollRefused(400, "'after' must be a whole number of events, or null")
    if sender_for_key(key) != sender:
        raise PollRefused(403, "this key does not open that conversation")
    return sender, after


def poll_conversation(api: RasaApi, sender: str, after: Optional[int]) -> Dict[str, Any]:
    """The messages since `after`; offers the call back when nobody took the chat in time.

    The offer is made here, while the patient's widget is polling, through
    Rasa's trigger_intent rather than a Rasa reminder: the deadline is read
    from the stored events, so it survives restarts and works with several
    Rasa instances (reminders live in one instance's memory), and it is only
    offered to a patient who is still there to read it."""
    with _content_lock:
        content = cached_content(content_path())
    events = api.events(sender)
    state = handoff.state_of(events)
    if state.unanswered(time.time(), handoff.load_settings(content)):
        with _unanswered_lock:
            events = api.events(sender)
            settings = handoff.load_settings(content)
            if handoff.state_of(events).unanswered(time.time(), settings):
                api.append_events(sender, handoff.unanswered_events(content, settings))
                api.trigger_intent(sender, handoff.UNANSWERED_INTENT)
                events = api.events(sender)
        state = handoff.state_of(events)
    messages, cursor = handoff.pushed_messages(events, after)
    return {"messages": messages, "cursor": cursor, "handoff": state.status, "staff": state.staff}


def bot_url() -> str:
    url = os.environ.get("WEBCHAT_BOT_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT') or '5005'}"
    return url.rstrip("/")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"WEBCHAT_BOT_URL must be an http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_path() -> Path:
    return Path(os.environ.get(CONTENT_PATH_ENV) or DEFAULT_CONTENT_PATH)


def build_config() -> Tuple[Dict[str, Any], List[str]]:
    """widget-config.json: the clinic's details from clinic.yml plus the bot URL."""
    path = content_path()
    with _content_lock:
        content = cached_content(path)
    clinic = content.clinic
    widget, problems = dict(content.widget.settings), list(content.widget.problems)
    config = {
        "clinic": {
            "name": clinic.name,
            "phone": clinic.phone,
            "emergency_number": clinic.emergency_number,
            "opening_hours": clinic.opening_hours,
            "timezone": clinic.timezone,
        },
        "botUrl": bot_url(),
        "widget": widget,
        "strings": widget.get("strings", DEFAULT_STRINGS),
    }
    return config, problems


def allowed_origins(port: int) -> List[str]:
    """Same list and default as scripts/run.sh gives Rasa's --cors."""
    configured = os.environ.get("WEBCHAT_ORIGINS", "").split()
    return configured or [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def security_headers(bot_origin: str) -> Dict[str, str]:
    return {
        "Content-Security-Policy": (
            "default-src 'self'; "
            f"connect-src 'self' {bot_origin}; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "SAMEORIGIN",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cache-Control": "no-cache",
    }


def render_demo(config: Dict[str, Any]) -> str:
    template = (WIDGET_DIR / "demo.html").read_text(encoding="utf-8")
    clinic = config["clinic"]
    values = {
        "clinic.name": clinic["name"],
        "clinic.phone": clinic["phone"],
        "clinic.phone_tel": re.sub(r"[^\d+]", "", clinic["phone"]),
        "clinic.opening_hours": clinic["opening_hours"],
    }
    return re.sub(
        r"\{\{([a-z_.]+)\}\}", lambda m: html.escape(values.get(m.group(1), ""), quote=True), template
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "clinic-chat"
    server: WidgetServer

    def setup(self) -> None:
        super().setup()
        # A read that waits longer ends the request ("Request timed out") and frees the thread.
        self.connection.settimeout(self.server.read_timeout)

    def version_string(self) -> str:  # no Python version in the Server header
        return self.server_version

    def log_request(self, code: Union[int, str] = "-", size: Union[int, str] = "-") -> None:
        # A line per request only with VERBOSE=1 (scripts/run.sh); server errors always.
        if os.environ.get("VERBOSE") == "1" or (isinstance(code, int) and code >= 500):
            super().log_request(code, size)

    def _send(
        self, status: int, body: bytes, content_type: str, extra: Optional[Dict[str, str]] = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**security_headers(self.server.bot_origin), **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _cors(self) -> Dict[str, str]:
        origin = self.headers.get("Origin")
        if origin and origin in allowed_origins(self.server.server_port):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def _not_found(self) -> None:
        self._send(404, b"Not found\n", "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        # The raw path is matched exactly: no decoding, so %2e%2e and friends never match.
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            if path in DEMO_PATHS:
                config, _ = build_config()
                self._send(200, render_demo(config).encode("utf-8"), HTML)
            elif path == CONFIG_PATH:
                config, problems = build_config()
                for problem in problems:
                    self.log_message("widget config: %s", problem)
                self._send(
                    200, json.dumps(config, ensure_ascii=False, indent=1).encode("utf-8"), JSON, self._cors()
                )
            elif path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")
            elif path in STATIC_FILES:
                name, content_type = STATIC_FILES[path]
                extra = self._cors() if content_type == JSON else None
                self._send(200, (WIDGET_DIR / name).read_bytes(), content_type, extra)
            elif (strings := STRINGS_PATH.match(path)) and (WIDGET_DIR / strings.group(1)).is_file():
                self._send(200, (WIDGET_DIR / strings.group(1)).read_bytes(), JSON, self._cors())
            else:
                self._not_found()
        except ContentError as error:
            self.log_message("clinic file problem: %s", error)
            self._send(500, json.dumps({"error": "clinic file problem, see the server log"}).encode(), JSON)

    def do_HEAD(self) -> None:
        self.do_GET()

    def _method_not_allowed(self) -> None:
        self._send(405, b"Method not allowed\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})

    def _json(self, status: int, body: Dict[str, Any]) -> None:
        self._send(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON, self._cors())

    def do_POST(self) -> None:
        # Sent as text/plain by the widget: a "simple" cross-origin request, no preflight.
        if self.path.split("?", 1)[0] != MESSAGES_PATH:
            self._method_not_allowed()
            return
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 < length <= MAX_POLL_BODY:
            self._json(400, {"error": f"send a JSON body of at most {MAX_POLL_BODY} bytes"})
            return
        try:
            sender, after = read_poll_request(self.rfile.read(length))
            self._json(200, poll_conversation(self.server.rasa_api(), sender, after))
        except PollRefused as refused:
            self._json(refused.status, {"error": str(refused)})
        except RasaApiError as error:
            self.log_message("live handoff: %s", error)
            self._json(503, {"error": "the assistant can't be reached right now; retrying by itself"})
        except ContentError as error:
            self.log_message("clinic file problem: %s", error)
            self._json(503, {"error": "clinic file problem, see the server log"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed


BUSY_RESPONSE = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Retry-After: 5\r\nContent-Length: 14\r\nConnection: close\r\n\r\n"
    b"Server busy.\r\n"
)


class WidgetServer(ThreadingHTTPServer):
    """A thread per connection, but a bounded number of them, and none kept by a
    client that stops sending (slowloris): each read waits `read_timeout` at most."""

    daemon_threads = True
    # socketserver's listen backlog of 5 makes a burst of page loads wait for SYN retries.
    request_queue_size = 128

    def __init__(self, host: str, port: int, read_timeout: float = 10, max_connections: int = 64) -> None:
        super().__init__((host, port), Handler)
        self.read_timeout = read_timeout
        self._connection_slots = threading.BoundedSemaphore(max_connections)
        self.bot_origin = origin_of(bot_url())
        shown_host = f"[{host}]" if ":" in host else host
        self.own_origin = f"http://{shown_host}:{self.server_address[1]}"
        self._rasa_api: Optional[RasaApi] = None

    def process_request(self, request, client_address) -> None:
        if not self._connection_slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(BUSY_RESPONSE)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connection_slots.release()  # no thread started, so none will release it
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connection_slots.release()

    def rasa_api(self) -> RasaApi:
        if self._rasa_api is None:
            self._rasa_api = RasaApi.from_env()
        return self._rasa_api


def main(argv: List[str]) -> int:
    if "--check" in argv:
        try:
            config, problems = build_config()
            origin_of(config["botUrl"])
        except (ContentError, ValueError, OSError, yaml.YAMLError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(json.dumps(config, ensure_ascii=False, indent=2))
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1 if problems else 0
    host = os.environ.get("WEBCHAT_HOST") or "127.0.0.1"
    port = int(os.environ.get("WEBCHAT_PORT") or "8080")
    try:
        build_config()
        server = WidgetServer(
            host,
            port,
            read_timeout=number_setting(os.environ, "WEBCHAT_READ_TIMEOUT", 10, above=0),
            max_connections=int(number_setting(os.environ, "WEBCHAT_MAX_CONNECTIONS", 64, above=0)),
        )
    except (ContentError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Clinic chat widget: {server.own_origin}/  (bot: {bot_url()})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
