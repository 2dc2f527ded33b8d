"""Where the live, the previous and candidate models are kept, with their manifests.

models/clinic-bot.tar.gz is what `make run` serves; models/previous/ holds the
model it replaced, so `make rollback` can put it back. Every model has a
manifest (labels, example counts, FAQ answers, a fingerprint of its sources)
so the next retrain can tell what changed without opening the archive.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from clinicbot.content import ClinicContent
from clinicbot.files import copy_atomically as _copy_atomically
from clinicbot.files import write_text_atomically
from clinicbot.quality_gate import ModelFacts
from clinicbot.render_responses import responses
from clinicbot.training_data import Project, Sources, faq_answers

MODEL_NAME = "clinic-bot"


def manifest_path(model: Path) -> Path:
    return model.with_name(model.name.replace(".tar.gz", "") + ".manifest.json")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Besides examples, answers, config and domain, these shape the model or the
# replies Rasa serves: the rules, the red-flag rules the urgency classifier is
# trained with, and the code of the pipeline's own components.
MODEL_INPUT_GLOBS = ("data/rules.yml", "clinic/red_flags.yml", "components/*.py", "clinicbot/*.py")


def model_input_files(root: Path) -> List[Path]:
    return sorted({path for pattern in MODEL_INPUT_GLOBS for path in root.glob(pattern)})


def sources_fingerprint(sources: Sources, faq_answers: Dict[str, str], config_text: str,
                        domain_text: str, rendered_responses: Optional[Mapping[str, object]] = None,
                        input_files: Sequence[Path] = ()) -> str:
    """Changes whenever anything a retrain would change does: examples, every
    response Rasa serves (red-flag advice, disclaimer, ...), config, domain,
    rules and the pipeline's code."""
    digest = hashlib.sha256()
    for example in sorted((e.label, e.text) for e in sources.examples()):
        digest.update(repr(example).encode())
    digest.update(json.dumps(faq_answers, sort_keys=True).encode())
    digest.update(config_text.encode())
    digest.update(domain_text.encode())
    digest.update(json.dumps(rendered_responses or {}, sort_keys=True).encode())
    for path in input_files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def manifest_for(project: Project, config: Path, sources: Sources, content: ClinicContent,
                 **extra: object) -> Dict[str, object]:
    """What a model trained from these checked sources with this config knows."""
    answers = {key: content.render(text) for key, text in faq_answers(sources).items()}
    config_text = config.read_text(encoding="utf-8")
    domain_text = (project.root / "domain.yml").read_text(encoding="utf-8")
    counts: Dict[str, int] = {}
    for example in sources.examples():
        counts[example.label] = counts.get(example.label, 0) + 1
    return {
        "labels": sorted(counts),
        "example_counts": dict(sorted(counts.items())),
        "faq_answers": dict(sorted(answers.items())),
        "config_sha256": hashlib.sha256(config_text.encode()).hexdigest(),
        "sources_fingerprint": sources_fingerprint(
            sources, answers, config_text, domain_text,
            responses(content, faq_answers(sources)), model_input_files(project.root)),
        "annotations_merged": len(sources.new_annotations()),
        **extra,
    }


def facts(manifest: Dict[str, object]) -> ModelFacts:
    return ModelFacts(labels=tuple(manifest["labels"]),  # type: ignore[arg-type]
                      example_counts=manifest["example_counts"],  # type: ignore[arg-type]
                      faq_answers=manifest["faq_answers"])  # type: ignore[arg-type]


def write_json_atomically(target: Path, data: Dict[str, object]) -> None:
    write_text_atomically(target, json.dumps(data, indent=2))


@dataclass(frozen=True)
class ModelStore:
    directory: Path

    @property
    def live(self) -> Path:
        return self.directory / f"{MODEL_NAME}.tar.gz"

    @property
    def previous(self) -> Path:
        return self.directory / "previous" / f"{MODEL_NAME}.tar.gz"

    def manifest(self, model: Path) -> Optional[Dict[str, object]]:
        path = manifest_path(model)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def write_manifest(self, model: Path, manifest: Dict[str, object]) -> None:
        write_json_atomically(manifest_path(model), {**manifest,
                                                      "model_sha256": file_sha256(model)})

    def install(self, candidate: Path) -> None:
        """Makes candidate the live model; the live one becomes the previous one."""
        if self.live.exists():
            _copy_atomically(self.live, self.previous)
            if manifest_path(self.live).exists():
                _copy_atomically(manifest_path(self.live), manifest_path(self.previous))
        _copy_atomically(candidate, self.live)
        _copy_atomically(manifest_path(candidate), manifest_path(self.live))

    def swap_with_previous(self) -> None:
        """Rollback: the previous model goes live, the live one becomes the previous
        one (so a second rollback undoes the first)."""
        if not self.previous.exists():
            raise FileNotFoundError(f"no previous model in {self.previous.parent}; "
                                    "nothing to roll back to")
        parked = self.directory / "previous" / f".{MODEL_NAME}.swap.tar.gz"
        _copy_atomically(self.live, parked)
        if manifest_path(self.live).exists():
            _copy_atomically(manifest_path(self.live), manifest_path(parked))
        _copy_atomically(self.previous, self.live)
        if manifest_path(self.previous).exists():
            _copy_atomically(manifest_path(self.previous), manifest_path(self.live))
        os.replace(parked, self.previous)
        if manifest_path(parked).exists():
            os.replace(manifest_path(parked), manifest_path(self.previous))
