"""Loads a model into running Rasa servers through Rasa's HTTP API (PUT /model).

Authorised with Rasa's JWT support (an admin token in the Authorization header,
signed with the secret Rasa got as --jwt-secret), never `?token=`, which
would land in access logs.

Rasa loads the new model next to the old one and then switches, keeping its
tracker and lock stores, so conversations in progress carry on.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from clinicbot.rasa_api import admin_token

LOAD_TIMEOUT_SECONDS = 600


def _request(method: str, url: str, jwt_secret: Optional[str], body: Optional[dict] = None,
             timeout: float = 10) -> bytes:
    headers = {"Content-Type": "application/json"}
    if jwt_secret:
        headers["Authorization"] = f"Bearer {admin_token(jwt_secret)}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def activate(urls: Sequence[str], jwt_secret: Optional[str], model: Path) -> List[Dict[str, str]]:
    """One result per server: activated, not running (it loads the model when it
    starts, since the file is in place) or failed."""
    results = []
    for url in urls:
        url = url.rstrip("/")
        try:
            _request("GET", url + "/", None, timeout=5)
        except (urllib.error.URLError, OSError) as error:
            results.append({"url": url, "status": "not running",
                            "detail": f"not reachable ({error}); it will use the new model "
                                      "when it starts"})
            continue
        if not jwt_secret:
            results.append({"url": url, "status": "failed",
                            "detail": "no RASA_JWT_SECRET (nor var/rasa-jwt-secret) to sign "
                                      "the request with"})
            continue
        try:
            _request("PUT", url + "/model", jwt_secret, {"model_file": str(model.resolve())},
                     timeout=LOAD_TIMEOUT_SECONDS)
            status = json.loads(_request("GET", url + "/status", jwt_secret))
            results.append({"url": url, "status": "activated",
                            "detail": f"serving {status.get('model_id', '?')}"})
        except urllib.error.HTTPError as error:
            hint = " (check RASA_JWT_SECRET: Rasa's --jwt-secret)" if error.code in (401, 403) else ""
            results.append({"url": url, "status": "failed",
                            "detail": f"HTTP {error.code}{hint}: "
                                      f"{error.read()[:300].decode(errors='replace')}"})
        except (urllib.error.URLError, OSError) as error:
            results.append({"url": url, "status": "failed", "detail": str(error)})
    return results
