"""Intent labels staff may choose when correcting a prediction.

The domain's intents plus the retrieval sub-intents: one per FAQ file in
clinic/faqs/ (faq/cost) and those in data/nlu/*.yml (recovery/makeup). A
retrieval intent's bare name (faq) is not offered: Rasa trains retrieval
intents only with their sub-intent.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from clinicbot.paths import PROJECT_ROOT
from clinicbot.training_data import Project, domain_intents, load_sources

NOT_TRAINABLE = {"nlu_fallback"}


def load_labels(root: Optional[Path] = None) -> List[str]:
    root = root or PROJECT_ROOT
    base = list(dict.fromkeys(domain_intents(root / "domain.yml")))
    sub: List[str] = []
    sources = load_sources(Project(root))
    for name in [faq.label for faq in sources.faqs.values()] + \
            [e.label for e in sources.other_examples]:
        if "/" in name and name.split("/", 1)[0] in base and name not in sub:
            sub.append(name)
    retrieval = {name.split("/", 1)[0] for name in sub}
    labels = [name for name in base if name not in retrieval and name not in NOT_TRAINABLE]
    return labels + sorted(sub)
