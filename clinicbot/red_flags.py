"""Deterministic red-flag detection over a spaCy Doc.

The ML classifier can miss a red flag it has not seen phrased that way, and it
can raise one for "no fever, just redness". These rules decide on their own,
from the clinic-editable rule file, and the NLU pipeline lets them override
the classifier in both directions.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "clinic" / "red_flags.yml"


@dataclass(frozen=True)
class RedFlagRules:
    # symptom -> rules -> groups -> alternative terms
    symptoms: Dict[str, List[List[List[str]]]]
    negation_cues: List[str]
    doubt_after_cue: Set[str]
    negation_window: int
    clause_breaks: Set[str]


@dataclass(frozen=True)
class RedFlagFinding:
    symptoms: Tuple[str, ...]          # present, not negated
    negated_symptoms: Tuple[str, ...]  # only mentioned as absent

    @property
    def is_red_flag(self) -> bool:
        return bool(self.symptoms)


def load_rules(path: Optional[Path] = None) -> RedFlagRules:
    source = Path(path or DEFAULT_RULES_PATH)
    with open(source, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    symptoms = data.get("symptoms") if isinstance(data, dict) else None
    if not isinstance(symptoms, dict) or not symptoms:
        raise ValueError(f"{source}: 'symptoms' must map symptom names to rules")
    for name, rules in symptoms.items():
        if not isinstance(rules, list) or not all(
                isinstance(rule, list) and rule and all(isinstance(g, list) and g for g in rule)
                for rule in rules):
            raise ValueError(f"{source}: symptom {name!r} must be a list of rules, "
                             f"each a list of term groups")
    negation = data.get("negation", {})
    return RedFlagRules(
        symptoms={name: [[[_term(t, source, name) for t in group] for group in rule]
                         for rule in rules]
                  for name, rules in symptoms.items()},
        negation_cues=[_term(c, source, "negation.cues") for c in negation.get("cues", [])],
        doubt_after_cue={str(w).lower() for w in negation.get("doubt_after_cue", [])},
        negation_window=int(negation.get("window", 4)),
        clause_breaks={str(b).lower() for b in negation.get("clause_breaks", [])},
    )


def _term(value: object, source: Path, where: str) -> str:
    # YAML reads bare no/off/yes/on as booleans, which would silently turn the
    # term "no" into "False".
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{source}: term {value!r} under {where!r} is not text; "
                         f"put words like no, off, yes and on in quotes")
    return str(value)


class RedFlagDetector:
    """Matches rule terms on lemmas and on lower-case text, with negation."""

    def __init__(self, nlp: Language, rules: RedFlagRules) -> None:
        self.rules = rules
        self._by_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._by_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._term_keys: Dict[int, Tuple[str, int, int]] = {}
        for symptom, symptom_rules in rules.symptoms.items():
            for rule_index, rule in enumerate(symptom_rules):
                for group_index, terms in enumerate(rule):
                    key = f"{symptom}|{rule_index}|{group_index}"
                    docs = list(nlp.pipe(terms))
                    self._by_lemma.add(key, docs)
                    self._by_lower.add(key, [nlp.make_doc(t) for t in terms])
                    self._term_keys[nlp.vocab.strings[key]] = (symptom, rule_index, group_index)
        self._cues.add("NEGATION", [nlp.make_doc(c) for c in rules.negation_cues])

    def _clause_ids(self, doc: Doc) -> List[int]:
        clause, ids = 0, []
        for token in doc:
            if token.lower_ in self.rules.clause_breaks:
                clause += 1
            ids.append(clause)
        return ids

    def _term_matches(self, doc: Doc) -> Set[Tuple[int, int, int]]:
        return set(self._by_lemma(doc)) | set(self._by_lower(doc))

    def detect(self, doc: Doc) -> RedFlagFinding:
        clause_of = self._clause_ids(doc)
        terms = self._term_matches(doc)
        term_tokens: Set[int] = {i for _, start, end in terms for i in range(start, end)}
        cues = [(start, end) for _, start, end in self._cues(doc)
                if not any(i in term_tokens for i in range(start, end))
                and not (end < len(doc) and doc[end].lower_ in self.rules.doubt_after_cue)]

        def negated(start: int) -> bool:
            return any(cue_end <= start and start - cue_end < self.rules.negation_window
                       and clause_of[cue_start] == clause_of[start]
                       for cue_start, cue_end in cues)

        # (symptom, rule, clause) -> group -> [negated?]
        seen: Dict[Tuple[str, int, int], Dict[int, List[bool]]] = {}
        for match_id, start, _end in terms:
            symptom, rule_index, group_index = self._term_keys[match_id]
            groups = seen.setdefault((symptom, rule_index, clause_of[start]), {})
            groups.setdefault(group_index, []).append(negated(start))

        present: Set[str] = set()
        absent: Set[str] = set()
        for (symptom, rule_index, _clause), groups in seen.items():
            if any(all(flags) for flags in groups.values()):
                # "not hot" says something is absent even when the rule's
                # other term ("red") sits in another clause.
                absent.add(symptom)
            complete = len(groups) == len(self.rules.symptoms[symptom][rule_index])
            if complete and all(not all(flags) for flags in groups.values()):
                present.add(symptom)
        return RedFlagFinding(tuple(sorted(present)), tuple(sorted(absent - present)))


def detector_for(nlp: Language, rules_path: Optional[Path] = None) -> RedFlagDetector:
    return RedFlagDetector(nlp, load_rules(rules_path))


def symptom_names(rules: RedFlagRules) -> Sequence[str]:
    return sorted(rules.symptoms)

