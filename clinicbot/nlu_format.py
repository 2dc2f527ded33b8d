"""Writes labelled examples as Rasa NLU training data (YAML, version "3.1").

The one writer of NLU files: the generated training data (clinic/faqs,
clinic/annotations) and the staff console's export of corrections. Each
example becomes one `- text` line that Rasa and clinicbot.training_data read
back as the same text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterable, List, Sequence, Tuple

# Rasa reads [text](entity), [text]{...} and [text][...] as entity annotations;
# an example's brackets must stay plain text.
_ENTITY_SYNTAX = re.compile(r"\]([({\[])")
# Line breaks and other control characters would end the example's line;
# surrogates, private-use and unassigned code points cannot be written as YAML.
_LINE_BREAKING = ("Cc", "Zl", "Zp")
_UNWRITABLE = ("Cs", "Co", "Cn")
_BYTE_ORDER_MARK = "\ufeff"


def clean_example(text: str) -> str:
    """One line, no characters YAML cannot carry, no entity markup."""
    kept = (
        " " if unicodedata.category(c) in _LINE_BREAKING else c
        for c in str(text)
        if unicodedata.category(c) not in _UNWRITABLE and c != _BYTE_ORDER_MARK
    )
    return _ENTITY_SYNTAX.sub(r"] \1", " ".join("".join(kept).split()))


def nlu_yaml(examples: Iterable[Tuple[str, str]], comments: Sequence[str]) -> str:
    """(label, text) pairs as one `- intent:` block per label, in the order the
    labels first come, with `comments` as the file's `#` header lines. Texts
    are cleaned; an empty one, or one already under its label, is left out."""
    by_label: Dict[str, List[str]] = {}
    for label, text in examples:
        example = clean_example(text)
        texts = by_label.setdefault(label, [])
        if example and example not in texts:
            texts.append(example)
    lines = [f"# {comment}" for comment in comments] + ['version: "3.1"']
    blocks = {label: texts for label, texts in by_label.items() if texts}
    if not blocks:
        return "\n".join(lines + ["nlu: []"]) + "\n"
    lines.append("nlu:")
    for label, texts in blocks.items():
        lines += [f"- intent: {label}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"
