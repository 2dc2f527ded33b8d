"""The console's Retrain button: hands the staff's corrections to `make retrain`'s
pipeline and shows its reports. The pipeline runs as its own process, so a
long training never blocks the console and survives a console restart."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from clinicbot.files import write_text_atomically
from clinicbot.paths import PROJECT_ROOT
from console import export

CORRECTIONS_FILE = Path("clinic") / "annotations" / "console-corrections.yml"


def status(root: Path) -> Dict[str, object]:
    path = root / "var" / "retrain" / "status.json"
    if not path.exists():
        return {"state": "never run"}
    data = json.loads(path.read_text(encoding="utf-8"))
    pid = data.get("pid")
    if data.get("state") == "running" and pid and not _alive(int(pid)):
        data["state"] = "stopped unexpectedly"
    return data


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_corrections(root: Path, rows: Iterable[Dict], now) -> int:
    """All of the console's corrections, as one annotations file the pipeline merges."""
    rows = list(rows)
    write_text_atomically(root / CORRECTIONS_FILE, export.corrections_yaml(rows, now))
    return len(rows)


def start(root: Path, args: Iterable[str] = ()) -> subprocess.Popen:
    log = root / "var" / "retrain" / "console-run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "retrain", "run", "--root", str(root), *args],
            cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)


RUN_ID = re.compile(r"[0-9]{1,20}(?:-[0-9]{1,20}){0,3}")


def reports(root: Path, limit: int = 20) -> List[Dict[str, object]]:
    directory = root / "var" / "retrain" / "reports"
    paths = sorted(directory.glob("*.json"), reverse=True)[:limit] if directory.exists() else []
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def report(root: Path, run_id: str) -> Optional[Dict[str, object]]:
    if not RUN_ID.fullmatch(run_id):  # ASCII digits and dashes only: never a path
        return None
    path = root / "var" / "retrain" / "reports" / f"{run_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
