"""The held-out NLU set (tests/data/nlu_heldout.yml), read the same way by the
held-out test and by `make bench`."""

from __future__ import annotations

from typing import Iterator, Tuple

import yaml

from clinicbot.paths import TESTS_DATA_DIR
from clinicbot.quality_gate import label_of_parse

NLU_HELDOUT = TESTS_DATA_DIR / "nlu_heldout.yml"


def heldout_examples() -> Iterator[Tuple[str, str]]:
    """(text, gold label) for every example of the held-out set."""
    data = yaml.safe_load(NLU_HELDOUT.read_text())
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
            if text:
                yield text, block["intent"]


# The label a parse result stands for (faq/cost; nlu_fallback counts as out_of_scope).
predicted_label = label_of_parse
