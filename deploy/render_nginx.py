"""Renders deploy/nginx.conf.template for a set of Rasa instances.

Usage: python -m deploy.render_nginx PREFIX_DIR [LISTEN_HOST:]LISTEN_PORT HOST:PORT [HOST:PORT ...]
(the listen host defaults to 127.0.0.1; use 0.0.0.0 to serve other machines)
"""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template
from typing import Sequence

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def render(prefix: Path, listen: "int | str", upstreams: Sequence[str]) -> str:
    if not upstreams:
        raise ValueError("at least one Rasa instance (HOST:PORT) is needed")
    servers = "\n".join(f"        server {address} max_fails=0;" for address in upstreams)
    # nginx's own $variables stay as they are; only ours are filled in.
    return Template(TEMPLATE.read_text()).safe_substitute(
        PREFIX=str(prefix),
        LISTEN=str(listen) if ":" in str(listen) else f"127.0.0.1:{listen}",
        RASA_UPSTREAMS=servers,
    )


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    prefix = Path(sys.argv[1]).resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(render(prefix, sys.argv[2], sys.argv[3:]))
    print(prefix / "nginx.conf")
