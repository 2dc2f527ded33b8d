"""Writes that never leave a half-written file behind, for files other processes read
(generated training data, model manifests, retrain status, the console's corrections)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _temporary(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.tmp")


def write_text_atomically(target: Path, text: str) -> None:
    temporary = _temporary(target)
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def copy_atomically(source: Path, target: Path) -> None:
    temporary = _temporary(target)
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
