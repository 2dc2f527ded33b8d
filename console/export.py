"""Corrections as Rasa NLU training data (YAML, version "3.1")."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import OrderedDict
from typing import Dict, Iterable, List

# Rasa reads [text](entity), [text]{...} and [text][...] as entity annotations;
# a patient's brackets must stay plain text.
_ENTITY_SYNTAX = re.compile(r"\]([({\[])")


def clean_example(text: str) -> str:
    """One line, no characters YAML cannot carry, no entity markup."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(text)
                   if unicodedata.category(c) not in ("Cs", "Co", "Cn") and c != "\ufeff")
    text = " ".join(text.split())
    return _ENTITY_SYNTAX.sub(r"] \1", text)


def nlu_yaml(rows: Iterable[Dict], generated_at: dt.datetime) -> str:
    by_intent: "OrderedDict[str, List[str]]" = OrderedDict()
    for row in sorted(rows, key=lambda r: (r["corrected_intent"], r["id"])):
        example = clean_example(row["text"])
        if not example:
            continue
        examples = by_intent.setdefault(row["corrected_intent"], [])
        if example not in examples:
            examples.append(example)
    lines = [
        f"# Corrections from the staff console, exported {generated_at:%Y-%m-%d %H:%M %Z}.",
        "# Training data for `make retrain` when placed in clinic/annotations/.",
        'version: "3.1"',
    ]
    if not by_intent:
        lines.append("nlu: []")
    else:
        lines.append("nlu:")
        for intent, examples in by_intent.items():
            lines.append(f"- intent: {intent}")
            lines.append("  examples: |")
            lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"
