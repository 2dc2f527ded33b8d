"""Renders the nginx configs in deploy/.

Usage:
  python -m deploy.render_nginx PREFIX_DIR [LISTEN_HOST:]LISTEN_PORT HOST:PORT [HOST:PORT ...]
      nginx in front of several Rasa instances (nginx.conf.template)
  python -m deploy.render_nginx --site console|widget PREFIX_DIR [LISTEN_HOST:]LISTEN_PORT HOST:PORT
                                [--tls CERT_FILE KEY_FILE]
      nginx in front of the staff console or the widget server; with --tls it
      listens with HTTPS only (production), without it plain HTTP (loopback tests)
(the listen host defaults to 127.0.0.1; use 0.0.0.0 to serve other machines)
"""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template
from typing import List, Optional, Sequence, Tuple

DEPLOY = Path(__file__).parent
TEMPLATE = DEPLOY / "nginx.conf.template"
SITE_TEMPLATES = {
    "console": DEPLOY / "nginx-console.conf.template",
    "widget": DEPLOY / "nginx-widget.conf.template",
}
# Time nginx gives a client to send a request's head, and between two reads of its body.
HEADER_TIMEOUT = "10s"
BODY_TIMEOUT = "10s"


def _listen(listen: "int | str") -> str:
    return str(listen) if ":" in str(listen) else f"127.0.0.1:{listen}"


def render(
    prefix: Path, listen: "int | str", upstreams: Sequence[str], log_request_bodies: bool = False
) -> str:
    """log_request_bodies is for tests only: a request body is a patient's message."""
    if not upstreams:
        raise ValueError("at least one Rasa instance (HOST:PORT) is needed")
    servers = "\n".join(f"        server {address} max_fails=0;" for address in upstreams)
    # nginx's own $variables stay as they are; only ours are filled in.
    return Template(TEMPLATE.read_text()).safe_substitute(
        PREFIX=str(prefix),
        LISTEN=_listen(listen),
        RASA_UPSTREAMS=servers,
        BODY_FIELD=',"body":"$request_body"' if log_request_bodies else "",
    )


def render_site(
    site: str,
    prefix: Path,
    listen: "int | str",
    upstream: str,
    tls: Optional[Tuple[str, str]] = None,
    header_timeout: str = HEADER_TIMEOUT,
    body_timeout: str = BODY_TIMEOUT,
) -> str:
    """The console's or the widget server's nginx config; `tls` is (certificate, key)."""
    if site not in SITE_TEMPLATES:
        raise ValueError(f"unknown site {site!r}: one of {', '.join(SITE_TEMPLATES)}")
    if tls:
        certificate, key = tls
        listen_block = "\n".join(
            [
                f"        listen {_listen(listen)} ssl;",
                f"        ssl_certificate {certificate};",
                f"        ssl_certificate_key {key};",
                "        ssl_protocols TLSv1.2 TLSv1.3;",
                '        add_header Strict-Transport-Security "max-age=31536000" always;',
            ]
        )
    else:
        listen_block = f"        listen {_listen(listen)};"
    return Template(SITE_TEMPLATES[site].read_text()).safe_substitute(
        PREFIX=str(prefix),
        LISTEN_BLOCK=listen_block,
        UPSTREAM=upstream,
        HEADER_TIMEOUT=header_timeout,
        BODY_TIMEOUT=body_timeout,
    )


def main(argv: List[str]) -> int:
    site = None
    tls = None
    if argv[:1] == ["--site"] and len(argv) > 1:
        site, argv = argv[1], argv[2:]
    if "--tls" in argv:
        at = argv.index("--tls")
        if len(argv) < at + 3:
            sys.exit(__doc__)
        tls = (argv[at + 1], argv[at + 2])
        argv = argv[:at] + argv[at + 3 :]
    if len(argv) < 3 or (site and len(argv) != 3):
        sys.exit(__doc__)
    prefix = Path(argv[0]).resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        text = render_site(site, prefix, argv[1], argv[2], tls) if site else render(prefix, argv[1], argv[2:])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    (prefix / "nginx.conf").write_text(text)
    print(prefix / "nginx.conf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
