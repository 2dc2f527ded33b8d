"""Builds the project's own spaCy pipeline: blank English + lookup lemmatizer.

Pretrained spaCy models can't be downloaded on the clinic's build machines, so
`make` builds this small pipeline into build/. SpacyNLP in config.yml loads it
by path; a clinic that can install en_core_web_md just names that instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

PIPELINE_NAME = "clinic_lookup"


def build_pipeline(target: Path) -> Path:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English with a lookup lemmatizer, built offline."
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m clinicbot.spacy_pipeline OUTPUT_DIR")
    print(f"built spaCy pipeline in {build_pipeline(Path(sys.argv[1]))}")
