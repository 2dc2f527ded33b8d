"""A throw-away copy of the project for retrain tests, trained with the product's config.yml.

The copy keeps one example in `THINNING` of each block in data/nlu (never fewer
than `MINIMUM_PER_BLOCK`): these tests check the pipeline itself (sources, the
gate, activation, fine-tuning, rollback), while the quality of the product's
own model is measured by tests/bot on the whole data. A full train of the
whole data takes four to five minutes on a loaded CI machine, and the retrain
tests train four times.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import yaml

from clinicbot.paths import PROJECT_ROOT as ROOT

COPIED = (
    "config.yml",
    "domain.yml",
    "endpoints.yml",
    "credentials.yml",
    "data/rules.yml",
    "data/nlu",
    "clinic",
    "tests/data/nlu_heldout.yml",
)
THINNING = 3
MINIMUM_PER_BLOCK = 10


def thin_training_data(
    nlu_folder: Path, keep_one_in: int = THINNING, minimum: int = MINIMUM_PER_BLOCK
) -> None:
    for path in nlu_folder.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("nlu") or []:
            if not isinstance(block.get("examples"), str):
                continue
            lines = [line for line in block["examples"].splitlines() if line.strip()]
            kept = [line for index, line in enumerate(lines) if index % keep_one_in == 0 or index < minimum]
            block["examples"] = "\n".join(kept) + "\n"
        path.write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
        )


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
    thin_training_data(target / "data" / "nlu")
    (target / "build").mkdir(exist_ok=True)
    (target / "build" / "spacy-en-clinic").symlink_to(ROOT / "build" / "spacy-en-clinic")
    return target


def retrain(
    project: Path, *args: str, env: Optional[Dict[str, str]] = None, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """`make retrain` on the copy."""
    command = [sys.executable, "-m", "retrain", *args, "--root", str(project)]
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
