"""Loads a model into running Rasa servers through Rasa's HTTP API (PUT /model).

Rasa loads the new model next to the old one and then switches, keeping its
tracker and lock stores, so conversations in progress carry on.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence

LOAD_TIMEOUT_SECONDS = 600


def _request(method: str, url: str, token: Optional[str], body: Optional[dict] = None,
             timeout: float = 10) -> bytes:
    query = "?" + urllib.parse.urlencode({"token": token}) if token else ""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + query, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def activate(urls: Sequence[str], token: Optional[str], model: Path) -> List[Dict[str, str]]:
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
        try:
            _request("PUT", url + "/model", token, {"model_file": str(model.resolve())},
                     timeout=LOAD_TIMEOUT_SECONDS)
            status = json.loads(_request("GET", url + "/status", token))
            results.append({"url": url, "status": "activated",
                            "detail": f"serving {status.get('model_id', '?')}"})
        except urllib.error.HTTPError as error:
            hint = " (check RASA_AUTH_TOKEN)" if error.code in (401, 403) else ""
            results.append({"url": url, "status": "failed",
                            "detail": f"HTTP {error.code}{hint}: "
                                      f"{error.read()[:300].decode(errors='replace')}"})
        except (urllib.error.URLError, OSError) as error:
            results.append({"url": url, "status": "failed", "detail": str(error)})
    return results
