"""A throw-away copy of the project for retrain tests, trained with the product's config.yml."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

from clinicbot.paths import PROJECT_ROOT as ROOT
COPIED = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data/rules.yml",
          "data/nlu", "clinic", "tests/data/nlu_heldout.yml")
def make_project(target: Path, source: Path = ROOT) -> Path:
    for name in COPIED:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("annotations"))
        else:
            shutil.copy(src, dst)
    # The scenario adds a pregnancy FAQ; the product's suitability FAQ, which
    # already takes pregnancy questions, would compete with it.
    (target / "clinic" / "faqs" / "suitability.yml").unlink()
    (target / "build").mkdir(exist_ok=True)
    (target / "build" / "spacy-en-clinic").symlink_to(ROOT / "build" / "spacy-en-clinic")
    return target


def retrain(project: Path, *args: str, env: Optional[Dict[str, str]] = None,
            timeout: float = 1200) -> subprocess.CompletedProcess:
    """`make retrain` on the copy."""
    command = [sys.executable, "-m", "retrain", *args, "--root", str(project)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
