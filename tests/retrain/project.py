"""A throw-away copy of the project for retrain tests, with a fast training config."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data/rules.yml",
          "data/nlu", "clinic", "tests/data/nlu_heldout.yml")
# Epochs for tests only; the product's config.yml is copied unchanged otherwise.
FAST_EPOCHS = {"DIETClassifier": 10, "ResponseSelector": 15}


def fast_config(source: Path, target: Path) -> None:
    config = yaml.safe_load(source.read_text())
    for component in config["pipeline"]:
        if component["name"] in FAST_EPOCHS:
            component["epochs"] = FAST_EPOCHS[component["name"]]
    target.write_text(yaml.safe_dump(config, sort_keys=False))


def make_project(target: Path, source: Path = ROOT) -> Path:
    for name in COPIED:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("annotations"))
        else:
            shutil.copy(src, dst)
    (target / "build").mkdir(exist_ok=True)
    (target / "build" / "spacy-en-clinic").symlink_to(ROOT / "build" / "spacy-en-clinic")
    fast_config(source / "config.yml", target / "config.test.yml")
    return target


def retrain(project: Path, *args: str, env: Optional[Dict[str, str]] = None,
            timeout: float = 1200) -> subprocess.CompletedProcess:
    """`make retrain` on the copy: the same module, with the fast config."""
    command = [sys.executable, "-m", "retrain", *args, "--root", str(project)]
    if args[:1] == ("run",):
        command += ["--config", str(project / "config.test.yml")]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
