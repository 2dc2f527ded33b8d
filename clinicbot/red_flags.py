"""Deterministic red-flag rules over a spaCy Doc, from clinic/red_flags.yml.

The learned urgency classifier can miss a symptom phrased in a way it has not
seen; these rules cannot, for anything they name. Each message is cut into
clauses, and each clause is judged on its own: a symptom counts when it is
reported, not when it is negated ("no fever, pus or bleeding"), asked about
("could I get blisters?"), past history ("I get cold sores") or over ("had a
fever yesterday, fine today"). Temperatures given as numbers are read against
the clinic's thresholds. Every decision records the words it rests on, so
staff can see why the bot raised (or did not raise) the alarm.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token
from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from clinicbot.dates import FUTURE, FUTURE_CUE, HYPOTHETICAL, find_date_mentions
from clinicbot.paths import CLINIC_DIR

DEFAULT_RULES_PATH = CLINIC_DIR / "red_flags.yml"

# Why a symptom named in a clause does not count.
PRESENT = "present"
NEGATED = "negated"
QUESTION = "question"
HISTORY = "history"
RESOLVED = "resolved"
BELOW_THRESHOLD = "below_threshold"
EXCEPTION = "exception"
NOT_TREATED = "not_treated"
OTHER_PERSON = "other_person"

TEMPERATURE = re.compile(
    r"(?<![\d.,/£$€])(\d{2,3})(?:\s*[.,]\s?(\d{1,2})(?!\d)|\s+(?:and\s+a\s+half|point\s+(\d)))?"
    r"\s*(°\s*[cf]?|degrees?(?:\s*(?:c|f|celsius|centigrade|fahrenheit))?|deg\b|c\b|f\b|"
    r"celsius|centigrade|fahrenheit)?(?![\d/])",
    re.IGNORECASE,
)
MODALS = {"ca", "can", "wo", "will", "could", "would", "should", "do", "does", "did", "is", "are", "was"}
CONDITIONAL_WORDS = {"if", "when", "whether", "case", "once", "until", "unless"}
DEFINITE = {"the", "my", "this", "these", "that", "those", "her", "his", "how", "what"}
# How many words from a symptom's own words an exception word may stand.
EXCEPTION_REACH = 6
# Who a condition about a reading is of: "if I got a temperature of 38".
CONDITION_SUBJECTS = {
    "i",
    "my",
    "you",
    "your",
    "she",
    "he",
    "her",
    "his",
    "we",
    "someone",
    "a",
    "the",
    "they",
    "it",
}
# How many clauses back "none of those" reaches.
LIST_DENIED_REACH = 2
# Before a past-time cue ("never ... in my life"), they say what is new.
NOVELTY_WORDS = {"never", "first"}
# A state told in the past: "it was fine yesterday" says how it was before.
PAST_BE = {"was", "were"}
# What may stand before and after a bare answer: "... ? because it is, day 4".
ANSWER_LEADS = {"because", "cos", "coz", "cause", "bc", "and", "well", "yes", "yeah", "yep", "which"}
ANSWER_OBJECTS = {"them", "it", "that", "those", "both", "one", "some", "this", "these"}
ANSWER_ENDS = {"now", "since", "today", "tonight", "right", "day", "lol", "unfortunately", "sadly", "already"}
IMPROVING = {"better", "less", "easier", "calmer", "lighter", "improved", "smaller", "cooler", "milder"}
LESSENING = {"less", "fewer"}
COLOUR_FILLERS = {"all", "really", "very", "quite", "completely", "totally", "a", "kind", "sort", "more"}
MOVEMENT_INTENSIFIERS = {"right", "straight", "way", "well"}
# "... but it's stronger than ever": "it" is the symptom just named.
REFERRING_WORDS = {"it", "it's", "its", "they", "they're", "theyre", "it’s"}
SENTENCE_LINKS = {"and", "now", "but", "so", "today", "then"}
WELL_AGAIN = {
    "myself",
    "normal",
    "fine",
    "well",
    "good",
    "ok",
    "okay",
    "better",
    "human",
    "comfortable",
    "comfortably",
    "properly",
    "normally",
}
# "none of: fever, chills, pus": the list after the colon is what is denied.
DENYING_LEADS = {"none", "no", "nothing", "zero", "nil", "without", "never", "neither"}
# What someone does who looks at the patient's skin, not their own.
OBSERVING_VERBS = {
    "noticed",
    "notices",
    "spotted",
    "saw",
    "sees",
    "looked",
    "told",
    "pointed",
    "thinks",
    "thought",
}
THIRD_PERSON = {"her", "his", "their", "she", "he", "they", "him", "them", "hers", "theirs"}
# "stopped at 10pm", "at 3", "at 10:30".
CLOCK_TIME = re.compile(r"^(?:[01]?\d|2[0-4])(?:[:.]\d{2})?(?:am|pm)?$")  # never "38"
# Words between a negation and what goes on: "isn't really going away".
PERSISTENCE_FILLERS = {"really", "even", "seem", "seems", "actually"}
PRESENT_BE = {"'m", "m", "am", "is", "'s", "s", "are", "'re"}
# Tokens of a negation inside a symptom's own words ("can't cope", "won't stop").
NEGATION_WORDS = {"n't", "nt", "not", "no", "never", "cannot"}
QUESTION_OPENERS = {
    "will",
    "would",
    "could",
    "can",
    "should",
    "does",
    "do",
    "did",
    "is",
    "are",
    "how",
    "when",
    "what",
    "why",
}
NEGATED_CONTRACTIONS = {
    "cant",
    "doesnt",
    "dont",
    "wont",
    "isnt",
    "didnt",
    "wasnt",
    "havent",
    "hasnt",
    "arent",
}
WEAK_REPORT_MARKERS = {"is", "are", "am", "was", "were", "has", "have"}
THRESHOLD_WORDS = {"over", "above", "exceeds", "exceed", "reaches", "hits", "higher", "more", "beyond"}
HAVE = {"'s", "has", "have", "'ve", "ve"}
FIRST_PERSON = {"i", "me", "my", "mine", "myself", "im", "ive", "i'm", "i've"}
FINDING_VERBS = {"see", "find", "notice", "spot", "feel", "detect", "smell"}
FINDING_OBJECTS = {"any", "a", "an", "anything", "signs", "sign", "much", "no"}
# Words between a negation and the verb it negates ("wasn't even treated"),
# and the verbs that start a new predicate after it ("... is now red").
NEGATED_VERB_FILLERS = {"been", "be", "being", "even", "yet", "really", "ever", "actually", "got"}
FINITE_VERBS = {"is", "are", "am", "was", "were", "has", "have", "'s", "'re", "'ve"}
# Words that put a video's or post's story on a person in it.
STORY_PEOPLE = {
    "whose",
    "who",
    "girl",
    "guy",
    "woman",
    "man",
    "lady",
    "someone",
    "somebody",
    "people",
    "person",
    "patient",
    "character",
    "zombie",
}
# A number asked about: "if I get a temperature of 38.5", "is 38 a fever?".
# "38.9", "38,6", "thirty eight point five": a thermometer's reading.
DECIMAL_READING = re.compile(r"\d\s*[.,]\s*\d|point|half")
GETTING = {"get", "gets", "getting", "develop", "develops", "run", "runs", "spike", "spikes"}
CLASSED_AS = (
    "a fever",
    "a temperature",
    "a high temperature",
    "a high temp",
    "a temp",
    "classed",
    "considered",
    "counted",
    "class as",
    "count as",
)
# A date that says by itself that it is ahead.
DATE_AHEAD = re.compile(
    r"\b(?:tomorrow|tmrw|tmr|next|coming|in\s+(?:a|an|a\s+few|\w+)\s+(?:days?|weeks?|months?|hours?))\b"
)
CELSIUS_RANGE = (34.0, 43.5)
FAHRENHEIT_RANGE = (93.0, 110.0)


@dataclass(frozen=True)
class TemperatureRules:
    symptom: str
    fever_from_celsius: float
    fever_from_fahrenheit: float
    context_words: Set[str]
    body_words: Set[str]
    # Frozen: its phrases are indexed once (`_phrases_by_first_word`).
    not_body_words: FrozenSet[str]
    not_before: Set[str]
    not_after: Set[str]
    settled_leads: Set[str] = field(default_factory=set)
    upper_bounds: Set[str] = field(default_factory=set)
    threshold_names: Set[str] = field(default_factory=set)
    threshold_leads: Set[str] = field(default_factory=set)
    crossing_words: Set[str] = field(default_factory=set)
    bare_fahrenheit_leads: Set[str] = field(default_factory=set)
    bare_fahrenheit_followers: Set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PainScoreRules:
    symptom: str
    # The latest score on a 0-10 scale from which pain is severe.
    severe_from: int
    # ...or a rise of at least `rise_of` that ends at `rising_to` or more.
    rise_of: int
    rising_to: int
    pain_words: Set[str]
    # Scores of something else: "itching 10/10", "I'd rate the results 9/10".
    other_scores: Set[str]


@dataclass(frozen=True)
class RedFlagRules:
    # symptom -> rules -> groups -> alternative terms
    symptoms: Dict[str, List[List[List[str]]]]
    exceptions: Dict[str, List[str]]
    negation_cues: List[str]
    negation_after: List[str]
    answer_endings: Set[str]
    answer_anywhere: Set[str]
    doubt_after_cue: Set[str]
    list_joiners: Set[str]
    new_statement: Set[str]
    statement_openers: List[str]
    reporting_verbs: Set[str]
    negation_reach: int
    question_cues: List[str]
    conditional_cues: List[str]
    history_cues: List[str]
    now_cues: List[str]
    past_time_cues: List[str]
    resolved_cues: List[str]
    recurrence_cues: List[str]
    clause_breaks: Set[str]
    sentence_ends: Set[str]
    question_openers: Set[str]
    opener_not_before: Set[str]
    question_lead_ins: Set[str]
    report_markers: List[str]
    temperature: Optional[TemperatureRules]
    pain_score: Optional[PainScoreRules] = None
    not_treated_cues: List[str] = field(default_factory=list)
    # Symptoms that stay urgent for someone not yet treated.
    urgent_before_treatment: Set[str] = field(default_factory=set)
    other_meanings: Dict[str, List[str]] = field(default_factory=dict)
    other_person_cues: List[str] = field(default_factory=list)
    # Pets and young children: never the laser patient, whatever the tense.
    pet_cues: List[str] = field(default_factory=list)
    young_child_cues: List[str] = field(default_factory=list)
    past_verbs: Set[str] = field(default_factory=set)
    present_verbs: Set[str] = field(default_factory=set)
    resolved_not_before: Set[str] = field(default_factory=set)
    resolved_only_in_part: List[str] = field(default_factory=list)
    contrast_marks: Set[str] = field(default_factory=set)
    calm_cues: List[str] = field(default_factory=list)
    reassurance_cues: List[str] = field(default_factory=list)
    anxiety_cues: Set[str] = field(default_factory=set)
    report_after_question: List[str] = field(default_factory=list)
    bare_answers_after_question: List[str] = field(default_factory=list)
    treated_cues: List[str] = field(default_factory=list)
    ahead_words: List[str] = field(default_factory=list)
    resolved_not_after: List[str] = field(default_factory=list)
    media_cues: List[str] = field(default_factory=list)
    writer_booked_cues: List[str] = field(default_factory=list)
    their_treatment_cues: List[str] = field(default_factory=list)
    treated_elsewhere_cues: List[str] = field(default_factory=list)
    mistaken_cues: List[str] = field(default_factory=list)
    mistaken_corrections: List[str] = field(default_factory=list)
    question_reports: List[str] = field(default_factory=list)
    question_reports_not_before: Set[str] = field(default_factory=set)
    exception_undone_by: List[str] = field(default_factory=list)
    ahead_linking: List[str] = field(default_factory=list)
    ahead_visit_after: List[str] = field(default_factory=list)
    ahead_time_only: List[str] = field(default_factory=list)
    resolved_when: Set[str] = field(default_factory=set)
    ongoing_after_negated_term: Set[str] = field(default_factory=set)
    early_time_cues: List[str] = field(default_factory=list)
    recent_cues: List[str] = field(default_factory=list)
    ahead_repeat_before: List[str] = field(default_factory=list)
    condition_reports: List[str] = field(default_factory=list)
    ahead_time_of_treatment: List[str] = field(default_factory=list)
    persistence_after_cue: List[str] = field(default_factory=list)
    unrelated_cues: List[str] = field(default_factory=list)
    list_denied_after: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mention:
    """One symptom named in one clause, and whether it counts."""

    symptom: str
    words: str
    clause: int
    status: str

    def to_dict(self) -> Dict[str, object]:
        return {"symptom": self.symptom, "words": self.words, "clause": self.clause, "status": self.status}


@dataclass(frozen=True)
class RedFlagFinding:
    mentions: Tuple[Mention, ...]
    clauses: Tuple[str, ...] = field(default=())
    # Clauses that only say an earlier clause's symptom is over ("... but
    # it's shrinking now"): read together with the clause they qualify.
    qualifiers: Tuple[int, ...] = field(default=())
    # Clauses that say something is over or easing ("it's much better now",
    # "the swelling is going down"), with nothing present or coming back.
    settled: Tuple[int, ...] = field(default=())
    # The patient is not yet treated (deciding, or booked for later), and
    # nothing says treated: no symptom here is a complication.
    not_treated: bool = False

    @property
    def symptoms(self) -> Tuple[str, ...]:
        """Symptoms reported as present."""
        return tuple(sorted({m.symptom for m in self.mentions if m.status == PRESENT}))

    @property
    def negated_symptoms(self) -> Tuple[str, ...]:
        """Symptoms named only as absent, asked about, past or over."""
        present = set(self.symptoms)
        return tuple(sorted({m.symptom for m in self.mentions if m.status != PRESENT} - present))

    @property
    def is_red_flag(self) -> bool:
        return bool(self.symptoms)

    @property
    def cleared_clauses(self) -> Set[int]:
        """Clauses that name symptoms, every one of them ruled out; every
        clause of a message from someone not yet treated ("Not booked yet. |
        I have a red hot patch ..."), whichever clause names what."""
        if self.not_treated and not self.is_red_flag:
            return set(range(len(self.clauses)))
        named = {m.clause for m in self.mentions}
        return named - {m.clause for m in self.mentions if m.status == PRESENT}

    @property
    def cleared(self) -> bool:
        """Symptoms were named, and every one of them was ruled out, or the
        patient is not yet treated."""
        return (bool(self.mentions) or self.not_treated) and not self.is_red_flag


def _term(value: object, source: Path, where: str) -> str:
    # YAML reads bare no/off/yes/on as booleans, which would silently turn the
    # term "no" into "False".
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(
            f"{source}: term {value!r} under {where!r} is not text; "
            f"put words like no, off, yes and on in quotes"
        )
    return str(value)


def _terms(data: dict, key: str, source: Path) -> List[str]:
    values = data.get(key, [])
    if not isinstance(values, list):
        raise ValueError(f"{source}: {key!r} must be a list of words")
    return [_term(v, source, key) for v in values]


def _cue_in_clause(
    cues: Dict[str, List[Tuple[int, int]]], clause_of: Sequence[int], kind: str, clause: int
) -> bool:
    """Whether a cue of `kind` starts in `clause`."""
    return any(clause_of[s] == clause for s, _e in cues.get(kind, []))


def load_rules(path: Optional[Path] = None) -> RedFlagRules:
    source = Path(path or DEFAULT_RULES_PATH)
    with open(source, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping")
    symptoms = data.get("symptoms")
    if not isinstance(symptoms, dict) or not symptoms:
        raise ValueError(f"{source}: 'symptoms' must map symptom names to rules")
    for name, rules in symptoms.items():
        if not isinstance(rules, list) or not all(
            isinstance(rule, list) and rule and all(isinstance(g, list) and g for g in rule) for rule in rules
        ):
            raise ValueError(
                f"{source}: symptom {name!r} must be a list of rules, each a list of term groups"
            )
    exceptions = data.get("exceptions") or {}
    other_meanings = data.get("other_meanings") or {}
    unknown = (set(exceptions) | set(other_meanings)) - set(symptoms)
    if unknown:
        raise ValueError(f"{source}: exceptions for unknown symptoms: {sorted(unknown)}")
    unknown = set(_terms(data, "urgent_before_treatment", source)) - set(symptoms)
    if unknown:
        raise ValueError(f"{source}: urgent_before_treatment names unknown symptoms: {sorted(unknown)}")
    negation = data.get("negation") or {}
    return RedFlagRules(
        symptoms={
            name: [[[_term(t, source, name) for t in group] for group in rule] for rule in rules]
            for name, rules in symptoms.items()
        },
        exceptions={
            name: [_term(t, source, f"exceptions.{name}") for t in terms]
            for name, terms in exceptions.items()
        },
        other_meanings={
            name: [_term(t, source, f"other_meanings.{name}") for t in terms]
            for name, terms in other_meanings.items()
        },
        negation_cues=_terms(negation, "cues", source),
        negation_after=_terms(negation, "after", source),
        answer_endings={w.lower() for w in _terms(negation, "answer_endings", source)},
        answer_anywhere={w.lower() for w in _terms(negation, "answer_anywhere", source)},
        list_denied_after=_terms(negation, "list_denied_after", source),
        doubt_after_cue={w.lower() for w in _terms(negation, "doubt_after_cue", source)},
        list_joiners={w.lower() for w in _terms(negation, "list_joiners", source)},
        new_statement={w.lower() for w in _terms(negation, "new_statement", source)},
        statement_openers=_terms(negation, "statement_openers", source),
        reporting_verbs={w.lower() for w in _terms(negation, "reporting_verbs", source)},
        negation_reach=int(negation.get("max_reach", 8)),
        question_cues=_terms(data, "question_cues", source),
        conditional_cues=_terms(data, "conditional_cues", source),
        history_cues=_terms(data, "history_cues", source),
        now_cues=_terms(data, "now_cues", source),
        past_time_cues=_terms(data, "past_time_cues", source),
        resolved_cues=_terms(data, "resolved_cues", source),
        recurrence_cues=_terms(data, "recurrence_cues", source),
        clause_breaks={w.lower() for w in _terms(data, "clause_breaks", source)},
        sentence_ends={w.lower() for w in _terms(data, "sentence_ends", source)},
        question_openers={w.lower() for w in _terms(data, "question_openers", source)},
        opener_not_before={w.lower() for w in _terms(data, "opener_not_before", source)},
        question_lead_ins={w.lower() for w in _terms(data, "question_lead_ins", source)},
        report_markers=_terms(data, "report_markers", source),
        temperature=_temperature_rules(data, source),
        pain_score=_pain_score_rules(data, source),
        not_treated_cues=_terms(data, "not_treated_cues", source),
        urgent_before_treatment=set(_terms(data, "urgent_before_treatment", source)),
        other_person_cues=_terms(data.get("someone_else") or {}, "people", source),
        pet_cues=_terms(data.get("someone_else") or {}, "pets", source),
        young_child_cues=_terms(data.get("someone_else") or {}, "young_children", source),
        past_verbs={w.lower() for w in _terms(data.get("someone_else") or {}, "past_verbs", source)},
        present_verbs={w.lower() for w in _terms(data.get("someone_else") or {}, "present_verbs", source)},
        resolved_not_before={w.lower() for w in _terms(data, "resolved_not_before", source)},
        resolved_only_in_part=[w.lower() for w in _terms(data, "resolved_only_in_part", source)],
        contrast_marks={w.lower() for w in _terms(data, "contrast_marks", source)},
        calm_cues=_terms(data, "calm_cues", source),
        reassurance_cues=_terms(data, "reassurance_cues", source),
        anxiety_cues={w.lower() for w in _terms(data, "anxiety_cues", source)},
        report_after_question=_terms(data, "report_after_question", source),
        bare_answers_after_question=_terms(data, "bare_answers_after_question", source),
        treated_cues=_terms(data, "treated_cues", source),
        ahead_words=_terms(data.get("treatment_ahead") or {}, "words", source),
        resolved_not_after=_terms(data, "resolved_not_after", source),
        media_cues=_terms(data.get("someone_else") or {}, "media", source),
        writer_booked_cues=_terms(data.get("someone_else") or {}, "writer_booked", source),
        their_treatment_cues=_terms(data.get("someone_else") or {}, "their_treatment", source),
        treated_elsewhere_cues=_terms(data.get("someone_else") or {}, "treated_elsewhere", source),
        mistaken_cues=_terms(data, "mistaken_cues", source),
        mistaken_corrections=_terms(data, "mistaken_corrections", source),
        question_reports=_terms(data, "question_reports", source),
        exception_undone_by=_terms(data, "exception_undone_by", source),
        question_reports_not_before={w.lower() for w in _terms(data, "question_reports_not_before", source)},
        ahead_linking=_terms(data.get("treatment_ahead") or {}, "linking", source),
        ahead_visit_after=_terms(data.get("treatment_ahead") or {}, "visit_after", source),
        resolved_when={w.lower() for w in _terms(data, "resolved_when", source)},
        ongoing_after_negated_term={w.lower() for w in _terms(data, "ongoing_after_negated_term", source)},
        early_time_cues=_terms(data, "early_time_cues", source),
        recent_cues=_terms(data, "recent_cues", source),
        ahead_time_only=_terms(data.get("treatment_ahead") or {}, "time_only", source),
        ahead_time_of_treatment=_terms(data.get("treatment_ahead") or {}, "time_of_treatment", source),
        condition_reports=_terms(data, "condition_reports", source),
        ahead_repeat_before=_terms(data.get("treatment_ahead") or {}, "repeat_before", source),
        persistence_after_cue=_terms(negation, "persistence_after_cue", source),
        unrelated_cues=_terms(data, "unrelated_cues", source),
    )


def _temperature_rules(data: dict, source: Path) -> Optional[TemperatureRules]:
    settings = (data.get("vital_signs") or {}).get("temperature")
    if not settings:
        return None
    try:
        return TemperatureRules(
            symptom=str(settings["symptom"]),
            fever_from_celsius=float(settings["fever_from_celsius"]),
            fever_from_fahrenheit=float(settings["fever_from_fahrenheit"]),
            context_words={w.lower() for w in _terms(settings, "context_words", source)},
            body_words={w.lower() for w in _terms(settings, "body_words", source)},
            not_body_words=frozenset(w.lower() for w in _terms(settings, "not_body_words", source)),
            not_before={w.lower() for w in _terms(settings, "not_before", source)},
            not_after={w.lower() for w in _terms(settings, "not_after", source)},
            settled_leads={w.lower() for w in _terms(settings, "settled_leads", source)},
            **{
                key: {w.lower() for w in _terms(settings, key, source)}
                for key in (
                    "upper_bounds",
                    "threshold_names",
                    "threshold_leads",
                    "crossing_words",
                    "bare_fahrenheit_leads",
                    "bare_fahrenheit_followers",
                )
            },
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{source}: vital_signs.temperature: {error}") from error


def _pain_score_rules(data: dict, source: Path) -> Optional[PainScoreRules]:
    settings = (data.get("vital_signs") or {}).get("pain_score")
    if not settings:
        return None
    try:
        return PainScoreRules(
            symptom=str(settings["symptom"]),
            severe_from=int(settings["severe_from"]),
            rise_of=int(settings["rise_of"]),
            rising_to=int(settings["rising_to"]),
            pain_words={w.lower() for w in _terms(settings, "pain_words", source)},
            other_scores={w.lower() for w in _terms(settings, "other_scores", source)},
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{source}: vital_signs.pain_score: {error}") from error


# Words the lookup lemmatizer maps to another word: "worse" is not "wrong",
# a "wound" is no "wind", "dying" is not "dye", "there's" is not "there has".
# A comparative says more than its base word: "redder" is not "red",
# "hotter" is not "hot", "getting paler" (fading redness) is not "pale".
LEMMA_MISTAKES = {
    "worse",
    "worst",
    "redder",
    "hotter",
    "paler",
    "whiter",
    "wound",
    "dying",
    "does",
    "bit",
    "dressing",
    "more",
    "'s",
}


def _inflects(token: Token) -> bool:
    """Whether the token's lemma stands for its other forms: "spreading" for
    "spread", "spreads", "bled" for "bleeding", "went" for "gone"; not for
    the lemmatizer's mistakes (LEMMA_MISTAKES)."""
    return token.lower_ not in LEMMA_MISTAKES


def _lemma_pattern(term: Doc) -> List[Dict[str, str]]:
    """A token pattern for a rule term: by lemma where the lemma stands for
    the word's forms, as written otherwise."""
    return [{"LEMMA": token.lemma_} if _inflects(token) else {"LOWER": token.lower_} for token in term]


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    return SpellChecker()


class SpellingCorrector:
    """Corrects misspelt symptom words ("fevr", "bllisters") to rule terms.

    Only words that are not English at all (pyspellchecker's dictionary) are
    corrected, and only to a rule term one edit away (two for long words),
    where swapping two neighbouring letters is one edit ("feevr", "bleedign":
    rapidfuzz's optimal string alignment distance), so "never" never becomes
    "fever".
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = sorted({w.lower() for w in vocabulary if w.isalpha() and len(w) >= 4})
        self._known = set(self._vocabulary)
        self._english = _english()
        self._cache: Dict[str, str] = {}

    def correct(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 4 or not lower.isalpha() or lower in self._known or lower in self._english:
            return word
        if lower not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[lower] = self._closest(lower) or word
        return self._cache[lower]

    def _closest(self, lower: str) -> Optional[str]:
        # Letters typed twice by accident ("bllisters", "pusss").
        for candidate in (re.sub(r"(.)\1+", r"\1\1", lower), re.sub(r"(.)\1+", r"\1", lower)):
            if candidate in self._known:
                return candidate
        best = process.extractOne(
            lower, self._vocabulary, scorer=OSA.distance, score_cutoff=2 if len(lower) >= 7 else 1
        )
        return best[0] if best else None


class RedFlagDetector:
    """Matches the rules on lemmas and lower-case words, clause by clause."""

    def __init__(self, nlp: Language, rules: RedFlagRules) -> None:
        self.nlp = nlp
        self.rules = rules
        self._by_lemma = Matcher(nlp.vocab)
        self._by_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._term_keys: Dict[int, Tuple[str, int, int]] = {}
        vocabulary: Set[str] = set()
        for symptom, symptom_rules in rules.symptoms.items():
            for rule_index, rule in enumerate(symptom_rules):
                for group_index, terms in enumerate(rule):
                    key = f"{symptom}|{rule_index}|{group_index}"
                    self._by_lemma.add(key, [_lemma_pattern(term) for term in nlp.pipe(terms)])
                    self._by_lower.add(key, [nlp.make_doc(t) for t in terms])
                    self._term_keys[nlp.vocab.strings[key]] = (symptom, rule_index, group_index)
                    vocabulary.update(w for t in terms for w in t.lower().split())
        self._cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        for name, words in (
            ("negation", rules.negation_cues),
            ("negation_after", rules.negation_after),
            ("list_denied", rules.list_denied_after),
            ("question", rules.question_cues),
            ("conditional", rules.conditional_cues),
            ("history", rules.history_cues),
            ("now", rules.now_cues),
            ("past_time", rules.past_time_cues),
            ("report", rules.report_markers),
            ("resolved", rules.resolved_cues),
            ("recurrence", rules.recurrence_cues),
            ("not_treated", rules.not_treated_cues),
            ("treated", rules.treated_cues),
            ("other_person", rules.other_person_cues),
            ("pet", rules.pet_cues),
            ("young_child", rules.young_child_cues),
            ("calm", rules.calm_cues),
            ("reassurance", rules.reassurance_cues),
            ("early", rules.early_time_cues),
            ("condition_report", rules.condition_reports),
            ("time_of_treatment", rules.ahead_time_of_treatment),
            ("recent", rules.recent_cues),
            ("report_after_question", rules.report_after_question),
            ("bare_answer", rules.bare_answers_after_question),
            ("resolved_not_after", rules.resolved_not_after),
            ("media", rules.media_cues),
            ("writer_booked", rules.writer_booked_cues),
            ("their_treatment", rules.their_treatment_cues),
            ("treated_elsewhere", rules.treated_elsewhere_cues),
            ("mistaken", rules.mistaken_cues),
            ("correction", rules.mistaken_corrections),
            ("question_report", rules.question_reports),
            ("exception_undone", rules.exception_undone_by),
            ("persistence", rules.persistence_after_cue),
            ("unrelated", rules.unrelated_cues),
        ):
            if words:
                self._cues.add(name, [nlp.make_doc(w) for w in words])
        self._exceptions = PhraseMatcher(nlp.vocab, attr="LOWER")
        for symptom, words in rules.exceptions.items():
            if words:
                self._exceptions.add(symptom, [nlp.make_doc(w) for w in words])
        self._other_meanings = PhraseMatcher(nlp.vocab, attr="LOWER")
        for symptom, words in rules.other_meanings.items():
            if words:
                self._other_meanings.add(symptom, [nlp.make_doc(w) for w in words])
        self._openers = PhraseMatcher(nlp.vocab, attr="LOWER")
        if rules.statement_openers:
            self._openers.add("opener", [nlp.make_doc(w) for w in rules.statement_openers])
        self._clause_breaks = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._clause_breaks.add("break", [nlp.make_doc(w) for w in rules.clause_breaks])
        self.corrector = SpellingCorrector(vocabulary)
        self._ahead_word: Optional[re.Pattern[str]] = None
        self._ahead_before: Optional[re.Pattern[str]] = None
        if rules.ahead_words:
            ahead = "|".join(re.escape(w.lower()) for w in sorted(rules.ahead_words, key=len, reverse=True))
            linking = "|".join(re.escape(w.lower()) for w in rules.ahead_linking) or "(?!)"
            self._ahead_word = re.compile(rf"\b(?:{ahead})\b")
            self._ahead_before = re.compile(rf"\b(?:{ahead})\s+(?:(?:{linking})\s+){{0,2}}$")

    # -- text preparation -------------------------------------------------
    def prepared(self, doc: Doc) -> Doc:
        """The message in lower case with misspelt symptom words corrected.

        Re-tokenised, so that "CAN'T" and "havent" split as the rule terms do."""
        text = "".join(self.corrector.correct(token.lower_) + token.whitespace_ for token in doc)
        return doc if text == doc.text else self.nlp(text)

    def clause_ids(self, doc: Doc) -> List[int]:
        # A word like "but" opens the next clause; "?" and "." close their own.
        opens = {start for _id, start, _end in self._clause_breaks(doc)}
        # ...unless it is a word inside a cue: the "then" of "now and then".
        history = self.nlp.vocab.strings["history"]
        opens -= {i for m, s, e in self._cues(doc) if m == history for i in range(s + 1, e)}
        # ...nor a colon after a denial: "none of: fever, chills, pus".
        opens -= {
            i
            for i in opens
            if doc[i].text == ":"
            and i > 0
            and (
                doc[i - 1].lower_ in DENYING_LEADS
                or (i > 1 and doc[i - 1].lower_ == "of" and doc[i - 2].lower_ in DENYING_LEADS)
            )
        }
        clause, closed = 0, False
        ids: List[int] = []
        for token in doc:
            if closed or token.i in opens:
                clause += 1 if ids else 0
            ids.append(clause)
            closed = token.lower_ in self.rules.sentence_ends or "\n" in token.text
        return ids

    @staticmethod
    def clause_texts(doc: Doc, clause_of: Sequence[int]) -> List[str]:
        texts: Dict[int, List[str]] = {}
        for token, clause in zip(doc, clause_of):
            texts.setdefault(clause, []).append(token.text_with_ws)
        count = (max(clause_of) + 1) if clause_of else 0
        return ["".join(texts.get(i, [])).strip() for i in range(count)]

    # -- the rules --------------------------------------------------------
    def detect(self, message: Doc) -> RedFlagFinding:
        doc = self.prepared(message)
        clause_of = self.clause_ids(doc)
        clauses = self.clause_texts(doc, clause_of)
        # A lemma match stands only where the message's words are forms of
        # the term's ("wound" is not "wind", "worse" not "wrong").
        terms = {
            (m, s, e) for m, s, e in self._by_lemma(doc) if all(_inflects(token) for token in doc[s:e])
        } | set(self._by_lower(doc))
        term_spans = {(start, end) for _, start, end in terms}
        cues: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in self._cues(doc):
            kind = self.nlp.vocab.strings[match_id]
            if any(
                s <= start and end <= e and e - s > end - start and not self._bare_negated_modal(doc, s, e)
                for s, e in term_spans
            ):
                continue  # part of a longer term: "won't stop", "does nothing"
            if (
                kind == "conditional"
                and end - start == 1
                and start > 0
                and clause_of[start - 1] == clause_of[start]
                and doc[start - 1].lower_ not in self.rules.list_joiners
                and not self._asked_before(doc, clause_of, start)
            ):
                # "if" opens a hypothetical at the start of a clause, or
                # after a question ("is it ok to have it if I get a fever?")
                continue
            cues.setdefault(kind, []).append((start, end))
        # "I'm on day 1": an early day that is today.
        cues["early"] = [
            (s, e) for s, e in cues.get("early", []) if not (s > 0 and doc[s - 1].lower_ in PRESENT_BE)
        ]
        cues["past_time"] = [
            (s, e) for s, e in cues.get("past_time", []) if self._dates_a_past(doc, clause_of, s, e)
        ]
        # "in the 90s", "in the 1980s": a past decade dates a story too.
        cues["past_time"].extend(
            (t.i - 2, t.i + 1)
            for t in doc
            if t.i > 1
            and doc[t.i - 2].lower_ == "in"
            and doc[t.i - 1].lower_ == "the"
            and re.fullmatch(r"'?(19)?[0-9]0s", t.lower_)
        )
        # "in 2015", "back in 2019": a past year dates a story, like "years ago".
        cues.setdefault("past_time", []).extend(
            (t.i - 1, t.i + 1)
            for t in doc
            if t.i > 0
            and doc[t.i - 1].lower_ in ("in", "during")
            and t.text.isdigit()
            and len(t.text) == 4
            and 1950 <= int(t.text) < dt.date.today().year
        )
        # "fever? none", "pus - nil": the answer ends there ("none at all"),
        # unlike "unreal, nothing takes it away".
        negated_after = [
            (s, e)
            for s, e in cues.get("negation_after", [])
            if doc[s:e].text.lower() in self.rules.answer_anywhere
            or e >= len(doc)
            or doc[e].is_punct
            or doc[e].is_space
            or clause_of[e] != clause_of[s]
            or doc[e].lower_ in self.rules.answer_endings
        ]
        history = cues.get("history", [])
        cues["now"] = [
            (s, e) for s, e in cues.get("now", []) if not any(hs <= s and e <= he for hs, he in history)
        ]
        negations = self._without_double_negations(
            doc,
            clause_of,
            [
                (s, e)
                for s, e in cues.get("negation", [])
                if not (e < len(doc) and doc[e].lower_ in self.rules.doubt_after_cue)
            ],
        )
        # "pain that isn't going away", "not getting any better": the symptom
        # goes on. Such a negation still says "going away" is no resolution.
        persisting = {s for s, _e in cues.get("persistence", [])}

        def says_it_persists(cue_end: int) -> bool:
            # right after the cue, or after one filler ("isn't really going away")
            after = (
                cue_end + 1 if cue_end < len(doc) and doc[cue_end].lower_ in PERSISTENCE_FILLERS else cue_end
            )
            return after in persisting

        symptom_negations = [(s, e) for s, e in negations if not says_it_persists(e)]
        # "it's not gone" is no resolution.
        # ...nor is "it's gone yellow" (a symptom word follows) or "going down
        # my neck" (a direction follows).
        named = {
            i for m, s, e in terms if self._term_keys[m][2] == 0 for i in range(s, e) if not doc[i].is_stop
        }
        # "it's gone all blackish": a colour a rule names, after a filler.
        coloured = {
            i
            for m, s, e in terms
            if self._term_keys[m][0] == "skin_turning_white_grey_or_black" and self._term_keys[m][2] > 0
            for i in range(s, e)
        }
        cues["resolved"] = [
            (s, e)
            for s, e in cues.get("resolved", [])
            if not any(0 <= s - ne <= 2 and clause_of[ns] == clause_of[s] for ns, ne in negations)
            and not (
                e < len(doc)
                and (
                    e in named
                    or (e + 1 < len(doc) and doc[e].lower_ in COLOUR_FILLERS and e + 1 in coloured)
                    or e in coloured
                    or (
                        doc[self._past_intensifiers(doc, e)].lower_ in self.rules.resolved_not_before
                        and not self._a_time_after(doc, e)
                        # "faded to pink", "fading from the outside in": fading never travels
                        and doc[s].lemma_ != "fade"
                    )
                )
            )
            # "he says it's fine": someone's view, not that it is over
            and not self._said_by_someone(doc, s)
            # "I feel fine apart from the temperature": well but for the symptom
            and not self._followed_by(doc, e, self.rules.resolved_only_in_part)
            # "down to his jaw which was fine yesterday": how it was before
            and not (doc[s].lower_ in PAST_BE and s > 0 and doc[s - 1].lower_ in ("which", "that", "where"))
            # "expanding rather than settling": what is not happening
            and not any(ae == s for _as, ae in cues.get("resolved_not_after", []))
            # "it had stopped and now it's running": over before now, not now
            and not self._over_before_now(doc, clause_of, cues, s, e)
        ]
        # "haven't come back" is no recurrence.
        cues["recurrence"] = [
            (s, e)
            for s, e in cues.get("recurrence", [])
            if not any(0 <= s - ne <= 2 and clause_of[ns] == clause_of[s] for ns, ne in negations)
            and not self._well_again(doc, s)
        ]
        cues["now"] = [(s, e) for s, e in cues.get("now", []) if not self._well_again(doc, s)]
        # "would it matter if I had cold sores spreading? i do": a bare answer
        # ends its clause, or says when ("it is, since the weekend").
        cues.setdefault("report_after_question", []).extend(
            (s, e)
            for s, e in cues.get("bare_answer", [])
            if (
                s == 0
                or clause_of[s - 1] != clause_of[s]
                or doc[s - 1].is_punct
                or doc[s - 1].lower_ in ANSWER_LEADS
            )
            and self._answer_ends(doc, e)
        )
        cues["question_report"] = [
            (s, e)
            for s, e in cues.get("question_report", [])
            if not (e < len(doc) and doc[e].lower_ in self.rules.question_reports_not_before)
        ]
        # "my wife had the laser on monday": the other person's treatment.
        cues.setdefault("their_treatment", []).extend(
            (ts, te)
            for ps, pe in cues.get("other_person", [])
            for ts, te in cues.get("treated", [])
            if 0 <= ts - pe <= 3 and clause_of[ts] == clause_of[ps]
        )
        # An exception that contains a term cancels that term ("blood
        # thinners", "hay fever"), so "I'm on blood thinners and it won't
        # stop bleeding" still counts; one beside the terms ("tiny black
        # dots") cancels its symptom in the clause.
        exceptions: Set[Tuple[str, int, int]] = set()
        cancelled: Set[Tuple[int, int, int]] = set()
        for m, ex_start, _ex_end in self._exceptions(doc):
            # "black dots merging into a patch": no longer just dots
            # "gone black, not like the tiny dots": the harmless sense set aside
            # ...in its clause or the next: "it was watery but now it's thick".
            if not any(
                0 <= us - _ex_end < EXCEPTION_REACH
                and (
                    clause_of[us] == clause_of[ex_start]
                    or (
                        clause_of[us] == clause_of[ex_start] + 1
                        and any(t.lower_ in ("but", "now") for t in doc[_ex_end:us])
                    )
                )
                for us, _ue in cues.get("exception_undone", [])
            ) and not any(
                0 <= ex_start - ne <= 3 and clause_of[ns] == clause_of[ex_start]
                for ns, ne in cues.get("negation", [])
            ):
                exceptions.add((self.nlp.vocab.strings[m], ex_start, _ex_end))
        for m, ex_start, ex_end in self._other_meanings(doc):
            symptom = self.nlp.vocab.strings[m]
            cancelled |= {
                (t, s, e)
                for t, s, e in terms
                if self._term_keys[t][0] == symptom and s < ex_end and ex_start < e
            }
        terms -= cancelled

        # Symptom words (for lists under a negation), and where a new
        # statement opens ("it's"), unless it is what was said or thought
        # ("I wouldn't say it's infected").
        # A rule's qualifier ("helping" of "painkillers aren't helping") is a
        # symptom word only beside its rule's first group in the same clause:
        # "my inhaler isn't helping much, wheezing since this morning" is no
        # list of absent symptoms.
        named_rules = {
            (self._term_keys[m][0], self._term_keys[m][1], clause_of[s])
            for m, s, _e in terms
            if self._term_keys[m][2] == 0
        }
        symptom_words = sorted(
            {
                (s, e)
                for m, s, e in terms
                if any(not t.is_stop and not t.is_punct for t in doc[s:e])
                and (
                    self._term_keys[m][2] == 0
                    or (self._term_keys[m][0], self._term_keys[m][1], clause_of[s]) in named_rules
                )
            }
        )
        openers = {
            s
            for _m, s, _e in self._openers(doc)
            if not (s > 0 and doc[s - 1].lower_ in self.rules.reporting_verbs)
        }
        cues["statement"] = [(s, s + 1) for s in openers]

        # (symptom, rule, clause) -> group -> [(start, end, negated)]
        seen: Dict[Tuple[str, int, int], Dict[int, List[Tuple[int, int, bool]]]] = {}
        for match_id, start, end in sorted(terms, key=lambda m: (m[1], m[2])):
            symptom, rule_index, group_index = self._term_keys[match_id]
            # "the pain is so much better": a measure of the easing, not of the pain
            if group_index > 0 and end < len(doc) and doc[end].lower_ in IMPROVING:
                continue
            # "it's better every day": the easing, not the pain, goes on
            if group_index > 0 and start > 0 and doc[start - 1].lower_ in IMPROVING:
                continue
            groups = seen.setdefault((symptom, rule_index, clause_of[start]), {})
            groups.setdefault(group_index, []).append(
                (
                    start,
                    end,
                    # "feels like it's not my skin, no feeling at all": a
                    # term that is itself a negation is not undone by another.
                    not self._carries_negation(doc, start, end)
                    and (
                        self._negated(doc, clause_of, symptom_negations, start, symptom_words, openers)
                        or self._negated_after(doc, negated_after, end)
                    ),
                )
            )

        self._join_what_it_refers_to(doc, clause_of, seen)

        mentions: List[Mention] = []
        for (symptom, rule_index, clause), groups in seen.items():
            rule = self.rules.symptoms[symptom][rule_index]
            spans = [(s, e) for matches in groups.values() for s, e, _n in matches]
            first = min(s for s, _e in spans)
            if len(groups) >= 2 and 0 in groups and 1 in groups:
                # The subject nearest its verb: "is it normal that my jaw
                # looks black?" is about the jaw, not the "it" of the question.
                verb = min(s for s, _e, _n in groups[1])
                subjects = [s for s, _e, _n in groups[0] if s < verb]
                if subjects and first == min(subjects):
                    first = max(subjects)
            last = max(e for _s, e in spans)
            words = doc[first:last].text
            negated_groups = [all(n for _s, _e, n in matches) for matches in groups.values()]
            if len(groups) < len(rule):
                # Part of a rule names a symptom only as absent when all of
                # it is negated ("doesn't smell"); an unrelated negated word
                # ("isn't going down, it ...") clears nothing.
                # ...and a negated "it" ("I haven't knocked it") names nothing.
                if (
                    all(negated_groups)
                    and 0 in groups
                    and any(not doc[i].is_stop for s, e, _n in groups[0] for i in range(s, e))
                ):
                    mentions.append(Mention(symptom, words, clause, NEGATED))
                continue
            if any(negated_groups) and not self._restated_after_negation(groups, openers):
                mentions.append(Mention(symptom, words, clause, NEGATED))
                continue
            own_terms = {i for s, e in spans for i in range(s, e)}
            # "much less puffy under the eyes", "less sore every morning": easing
            if any(
                s > 0
                and doc[s - 1].lower_ in LESSENING
                and not (s > 1 and doc[s - 2].lower_ in NEGATION_WORDS)
                for s, _e, _n in groups.get(0, [])
            ):
                mentions.append(Mention(symptom, words, clause, RESOLVED))
                continue
            mentions.append(
                Mention(
                    symptom,
                    words,
                    clause,
                    self._status(doc, clause_of, cues, exceptions, symptom, clause, first, own_terms),
                )
            )
        # A cancelled term is still a symptom named, and ruled out.
        mentions.extend(
            Mention(self._term_keys[t][0], doc[s:e].text, clause_of[s], EXCEPTION)
            for t, s, e in sorted(cancelled, key=lambda m: (m[1], m[2]))
            if self._term_keys[t][2] == 0
        )
        mentions.extend(self._temperatures(doc, clause_of, cues, exceptions))
        mentions = self._pain_scores(doc, clause_of, cues, exceptions, mentions)
        mentions = self._readings_decide_fever(mentions, clause_of, cues)
        mentions = self._past_then_calm(doc, clause_of, cues, mentions)
        mentions = self._listed_after_a_question(doc, clause_of, cues, mentions)
        mentions = self._answered_by_a_report(clause_of, cues, mentions)
        mentions = self._mistaken(clause_of, cues, mentions)
        mentions = self._without_contrasts(doc, mentions)
        mentions = self._denied_as_a_list(clause_of, cues, mentions)
        # A treated cue inside a not-treated one ("haven't had the
        # treatment", "delay my session") or negated says nothing.
        not_treated = cues.get("not_treated", [])
        ahead = self._treatment_ahead(doc.text)
        # A first treatment ahead outweighs a bare time word ("a sunburn I got
        # yesterday, laser is in 3 weeks"); a repeat ahead ("my next laser")
        # says one was had.
        first_ahead = ahead and self._treatment_ahead(doc.text, first_only=True)
        treated = [
            (s, e)
            for s, e in cues.get("treated", [])
            if not any(ns < e and s < ne for ns, ne in not_treated)
            and not any(0 <= s - ne <= 1 and clause_of[ns] == clause_of[s] for ns, ne in negations)
            and not (
                first_ahead
                and doc[s:e].text.lower() in self.rules.ahead_time_only
                # "did the laser yesterday": the time of a treatment had
                and not any(
                    s - 4 <= ts and te <= e + 3 and not any(t.is_punct for t in doc[min(te, e) : max(ts, s)])
                    for ts, te in cues.get("time_of_treatment", [])
                )
            )
        ]
        not_yet = not treated and bool(not_treated or ahead)
        # "cut my finger and it bled loads, nowhere near the laser area": the
        # writer says it has nothing to do with the treatment.
        not_yet = not_yet or bool(cues.get("unrelated"))
        if not_yet:
            # Someone deciding whether to have it ("I get cold sores, can I
            # still have it?") or booked for later ("my laser is next week")
            # describes their history, not a complication.
            mentions = [
                Mention(m.symptom, m.words, m.clause, NOT_TREATED)
                if m.status == PRESENT and m.symptom not in self.rules.urgent_before_treatment
                else m
                for m in mentions
            ]
        present = {m.clause for m in mentions if m.status == PRESENT}
        settling = {clause_of[s] for kind in ("resolved", "calm") for s, _e in cues.get(kind, [])}
        qualifiers = tuple(
            sorted(
                m.clause + 1
                for m in mentions
                if m.status == RESOLVED and m.clause + 1 in settling and m.clause + 1 not in present
            )
        )
        recurring = {clause_of[s] for s, _e in cues.get("recurrence", [])}
        # "it was fine yesterday" says how it was before, not that it is easing;
        # "it went down", "it came down" do.
        easing = {clause_of[s] for s, _e in cues.get("resolved", []) if doc[s].lower_ not in PAST_BE}
        # "my credit card is crying but my face is thanking me", "all good
        # there": a patient who says all is well.
        easing |= {
            clause_of[s]
            for s, _e in cues.get("reassurance", [])
            if not (s > 0 and doc[s - 1].lower_ in PAST_BE)
        }
        settled = tuple(sorted(easing - recurring - present))
        return RedFlagFinding(
            tuple(mentions),
            tuple(clauses),
            tuple(sorted(set(qualifiers))),
            settled,
            not_treated=not_yet,
        )

    def _treatment_ahead(self, text: str, first_only: bool = False) -> bool:
        """A treatment word right before a date given as future: "my laser is
        next week", "booked for next Tuesday", "treat me on Monday". With
        `first_only`, not a repeat: "my next laser is in 6 weeks"."""
        if self._ahead_word is None or self._ahead_before is None or not self._ahead_word.search(text):
            return False
        for mention in find_date_mentions(text, dt.date.today()):
            before = text[: mention.start]
            found = self._ahead_before.search(before)
            # "due to have it done next week" reads as hypothetical, yet the
            # date says ahead.
            ahead = mention.tense == FUTURE or (
                mention.tense == HYPOTHETICAL and bool(DATE_AHEAD.search(mention.text))
            )
            if not ahead or not found:
                continue
            if first_only and any(
                re.search(rf"\b{re.escape(word)}\s+$", before[: found.start()])
                for word in self.rules.ahead_repeat_before
            ):
                continue
            after = " ".join(text[mention.end :].split()[:6]) + " "
            if any(after.startswith(visit + " ") for visit in self.rules.ahead_visit_after):
                continue  # "booked in tomorrow to see the nurse": a visit
            # Said to be ahead, by the date ("next week", "in 2 days") or the
            # words before it ("is on", "booked", "will"), not only because
            # the day has not come yet: "temp 101 F, laser on the 3rd".
            sentence = re.split(r"[.?!;\n]", before)[-1]
            if DATE_AHEAD.search(mention.text) or FUTURE_CUE.search(sentence):
                return True
        return False

    def _a_time_after(self, doc: Doc, at: int) -> bool:
        """ "settled the same night", "went down the next day", "stopped at
        10pm": when, not where."""
        return any(
            t.lower_ in self.rules.resolved_when or CLOCK_TIME.match(t.lower_) for t in doc[at + 1 : at + 3]
        )

    def _past_then_calm(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        mentions: List[Mention],
    ) -> List[Mention]:
        """A symptom told in the past, then a calm now in a later clause:
        "it was very painful on the night but today it's just a bit sore"."""
        present = {m.clause for m in mentions if m.status == PRESENT}

        def has(kind: str, clause: int) -> bool:
            return _cue_in_clause(cues, clause_of, kind, clause)

        def past(clause: int) -> bool:
            # "kept me up on the first night": dated early is told in the past.
            return has("early", clause) or any(
                t.lower_ in self.rules.past_verbs for t, c in zip(doc, clause_of) if c == clause
            )

        result = []
        for mention in mentions:
            if mention.status == PRESENT and past(mention.clause) and not has("now", mention.clause):
                later = range(mention.clause + 1, (max(clause_of) + 1) if clause_of else 0)
                going_on = any(
                    has("recurrence", c)
                    or any(t.lower_ == "still" for t, tc in zip(doc, clause_of) if tc == c)
                    for c in later
                )
                if not going_on and any(
                    (has("now", c) or has("recent", c))
                    and has("calm", c)
                    and not has("recurrence", c)
                    and c not in present
                    for c in later
                ):
                    mention = Mention(mention.symptom, mention.words, mention.clause, RESOLVED)
            result.append(mention)
        return result

    @staticmethod
    def _answered_by_a_report(
        clause_of: Sequence[int], cues: Dict[str, List[Tuple[int, int]]], mentions: List[Mention]
    ) -> List[Mention]:
        """A question about a symptom, then "I have one now": a report."""
        reports = {clause_of[s] for s, _e in cues.get("report_after_question", [])}
        return [
            Mention(m.symptom, m.words, m.clause, PRESENT)
            if m.status == QUESTION and any(c > m.clause for c in reports)
            else m
            for m in mentions
        ]

    def _listed_after_a_question(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        mentions: List[Mention],
    ) -> List[Mention]:
        """Symptoms listed right after a question about risks: "what are the
        side effects? pain, blisters, infection?". Not when the list says it
        is the patient's or now ("... I have pain and blisters")."""

        def clause_tokens(clause: int) -> List[Token]:
            return [t for t, c in zip(doc, clause_of) if c == clause]

        def has(kind: str, clause: int) -> bool:
            return _cue_in_clause(cues, clause_of, kind, clause)

        def a_bare_list(clause: int) -> bool:
            tokens = clause_tokens(clause)
            return not (
                any(t.lower_ in FIRST_PERSON for t in tokens)
                or any(has(kind, clause) for kind in ("report", "now", "statement", "recurrence"))
            )

        def asks_about_risks(clause: int) -> bool:
            tokens = clause_tokens(clause)
            return bool(tokens) and tokens[-1].text == "?" and has("question", clause)

        return [
            Mention(m.symptom, m.words, m.clause, QUESTION)
            if m.status == PRESENT
            and m.clause > 0
            and asks_about_risks(m.clause - 1)
            and a_bare_list(m.clause)
            else m
            for m in mentions
        ]

    @staticmethod
    def _mistaken(
        clause_of: Sequence[int], cues: Dict[str, List[Tuple[int, int]]], mentions: List[Mention]
    ) -> List[Mention]:
        """ "what I thought was pus was just the ointment": taken for a symptom,
        then said to be something else, in the same clause or the next."""
        mistaken = {
            clause_of[s]
            for s, e in cues.get("mistaken", [])
            if any(
                (clause_of[cs] == clause_of[s] and cs >= e) or clause_of[cs] == clause_of[s] + 1
                for cs, _ce in cues.get("correction", [])
            )
        }
        return [
            Mention(m.symptom, m.words, m.clause, NEGATED)
            if m.status == PRESENT and m.clause in mistaken
            else m
            for m in mentions
        ]

    @staticmethod
    def _restated_after_negation(groups: Dict[int, List[Tuple[int, int, bool]]], openers: Set[int]) -> bool:
        """A rule's words split by a new statement: "not red anymore in one
        spot, | it's white" names the spot and then reports it white, so the
        negation does not carry over. The rule's last group (what makes it a
        symptom: "white", "spreading") must be said only after the new
        statement: "isn't spreading and it's not hot, | it's just pink" stays
        negated."""
        negated_ends = [e for matches in groups.values() for _s, e, n in matches if n]
        last = groups[max(groups)]
        if not negated_ends or any(n for _s, _e, n in last):
            return False
        after = max(negated_ends)
        return any(after <= opener < start for start, _e, _n in last if start >= after for opener in openers)

    def _without_double_negations(
        self, doc: Doc, clause_of: Sequence[int], negations: List[Tuple[int, int]]
    ) -> List[Tuple[int, int]]:
        """A "without" after a negated verb cancels it: "I can't swallow
        without my jaw screaming", "can't touch my face without it bleeding"
        say the symptom comes every time. A list or punctuation between them
        keeps both: "no pain, healing without any pus", "not feverish and
        without any pus"."""
        cancelled: Set[Tuple[int, int]] = set()
        for cue in negations:
            if doc[cue[0] : cue[1]].text.lower() != "without":
                continue
            for at in range(cue[0] - 1, -1, -1):
                token = doc[at]
                if (
                    clause_of[at] != clause_of[cue[0]]
                    or token.is_punct
                    or token.lower_ in self.rules.list_joiners
                ):
                    break
                if token.lower_ in NEGATION_WORDS - {"no"}:
                    cancelled.add(cue)
                    cancelled.update(n for n in negations if n[0] <= at < n[1])
                    break
        return [cue for cue in negations if cue not in cancelled]

    def _negated(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        negations: List[Tuple[int, int]],
        start: int,
        symptom_words: List[Tuple[int, int]],
        openers: Set[int],
    ) -> bool:
        for cue_start, cue_end in negations:
            if cue_end > start or clause_of[cue_start] != clause_of[start]:
                continue
            if start - cue_end > self.rules.negation_reach:
                continue
            if self._past_its_verb(doc, cue_start, cue_end, start, symptom_words):
                continue
            if self._reaches(doc, cue_end, start, symptom_words, openers):
                return True
        return False

    def _past_its_verb(
        self, doc: Doc, cue_start: int, cue_end: int, start: int, symptom_words: List[Tuple[int, int]]
    ) -> bool:
        """A negated verb that names no symptom ends its negation at the next
        verb: "my neck which wasn't treated | is now red", "the bit that was
        not lasered | has gone grey"; not "isn't red or hot", nor what is
        said or thought ("I wouldn't say it's infected")."""
        cue = doc[cue_end - 1].lower_
        if not (cue in ("n't", "not", "never", "nt") or (cue.endswith("nt") and cue_end - cue_start == 1)):
            return False
        negated = cue_end
        while negated < start and doc[negated].lower_ in NEGATED_VERB_FILLERS:
            negated += 1
        if (
            negated >= start
            or doc[negated].lower_ in self.rules.reporting_verbs
            or any(s <= negated < e for s, e in symptom_words)
        ):
            return False
        return any(doc[i].lower_ in FINITE_VERBS for i in range(negated + 1, start))

    def _reaches(
        self, doc: Doc, cue_end: int, start: int, symptom_words: List[Tuple[int, int]], openers: Set[int]
    ) -> bool:
        """Whether a negation ending at `cue_end` reaches the term at `start`.

        It reaches over a list ("no fever, pus or bleeding"): past a list
        joiner only when the item before it names a symptom, so "didn't stop
        it, cold sores everywhere" is no list; and never past the start of a
        new statement ("no fever, my eyes ...", "and are spreading", "isn't
        red, it's grey")."""
        item_start = cue_end
        for i in range(cue_end, start):
            if i in openers and i > cue_end:
                return False
            if doc[i].lower_ in self.rules.list_joiners:
                if i + 1 < len(doc) and doc[i + 1].lower_ in self.rules.new_statement:
                    return False
                names_symptom = any(item_start <= s and e <= i for s, e in symptom_words)
                # "no dark or black patches": one word joined by and/or.
                one_word = i - item_start == 1 and doc[i].is_alpha
                if not (names_symptom or one_word):
                    return False
                item_start = i + 1
        return True

    @staticmethod
    def _bare_negated_modal(doc: Doc, start: int, end: int) -> bool:
        """A term that is only a negated modal ("can't") before a verb of
        finding is a negation like any other: "I can't see any pus", "can't
        find a blister". Elsewhere it is the symptom: "can't breathe"."""
        words = [t.lower_ for t in doc[start:end]]
        if not (len(words) == 2 and words[0] in MODALS and words[1] in ("n't", "not", "nt")):
            return False
        after = [t.lower_ for t in doc[end : end + 3] if t.lower_ not in ("really", "actually")]
        return len(after) >= 2 and after[0] in FINDING_VERBS and after[1] in FINDING_OBJECTS

    @staticmethod
    def _carries_negation(doc: Doc, start: int, end: int) -> bool:
        return end - start > 1 and any(
            t.lower_ in NEGATION_WORDS or t.lower_ in NEGATED_CONTRACTIONS for t in doc[start:end]
        )

    @staticmethod
    def _negated_after(doc: Doc, cues: List[Tuple[int, int]], end: int) -> bool:
        """ "fever? none", "pus - nil": only punctuation between term and cue."""
        for cue_start, _cue_end in cues:
            between = doc[end:cue_start]
            if cue_start >= end and len(between) <= 2 and all(t.is_punct for t in between):
                return True
        return False

    def _status(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        exceptions: Set[Tuple[str, int, int]],
        symptom: str,
        clause: int,
        first: int,
        own_terms: Set[int],
        measured: bool = False,
        precise: bool = False,
    ) -> str:
        def in_clause(kind: str, target: int) -> List[Tuple[int, int]]:
            return [(s, e) for s, e in cues.get(kind, []) if clause_of[s] == target]

        # An exception word describes the symptom's words beside it ("tiny
        # black dots", "black skin type"), not the whole clause: "the dead
        # skin layer came off and underneath it's gone black" counts.
        last = max(own_terms) if own_terms else first
        if any(
            name == symptom
            and clause_of[s] == clause
            and s - last <= EXCEPTION_REACH
            and first - e <= EXCEPTION_REACH
            for name, s, e in exceptions
        ):
            return EXCEPTION
        # A question cue may share words with the symptom: "will I have a
        # high temperature?", "is it painful?".
        # Neither reaches past a new statement: "I'm worried about my eyes,
        # they're swollen shut", "should I be worried that there's pus?";
        # but "what if there's pus?" asks.
        statements = [
            s
            for s, _e in in_clause("statement", clause)
            if not (s > 0 and doc[s - 1].lower_ in CONDITIONAL_WORDS)
        ]

        def reaches(cue_end: int, adjacent: bool = True) -> bool:
            # A question may run into its statement ("how will I know it's
            # infected?"); a habit does not ("occasionally there's blood").
            return not any(cue_end < s < first or (not adjacent and s == cue_end) for s in statements)

        # A reading with a decimal above the threshold was taken, not
        # imagined, unless a condition says otherwise: "can laser cause a
        # fever of 38.9 on day 2?" reports, "if I get 38.5?" asks.
        read_not_imagined = precise and not any(e <= first for _s, e in in_clause("conditional", clause))
        if not read_not_imagined and any(
            s < first and reaches(e) and not self._anxious_about_something_there(doc, s, e, first)
            for s, e in in_clause("question", clause)
        ):
            return QUESTION

        def asks_what_is_there(start: int) -> bool:
            # "whats this yellow stuff oozing?", "should I be worried that my
            # tongue feels thick": a question_report opening at `start`.
            # ...or holding it: "is it normal if I have ..." holds its "if".
            return any(s <= start < e and s < first for s, e in in_clause("question_report", clause))

        # A condition covers what it says up to the next comma: "if my eyes
        # swell, who do I call?", not "if possible, the pain is unbearable",
        # nor "should I be worried that my tongue feels thick".
        # A reading in a condition is imagined when it is a round number or
        # the threshold itself ("if I got a temperature of 38?", "if I have a
        # temp of 100.4"), unless said to be now.
        # ...where the condition has someone in it, not "tell me if 100.4
        # counts as a fever, because that's what mine says".
        imagined_reading = measured and not precise and not in_clause("now", clause)
        if any(
            e <= first
            and not any(doc[i].text == "," for i in range(e, first))
            and reaches(e)
            and not asks_what_is_there(s)
            and (not measured or (imagined_reading and e < len(doc) and doc[e].lower_ in CONDITION_SUBJECTS))
            for s, e in in_clause("conditional", clause)
        ):
            return QUESTION
        opener = None if measured else self._question_opener(doc, clause_of, clause, first)
        # What follows an "if" in the question belongs to the condition, not
        # to a report: "could I lose sight if the laser is close to my eyes?"
        # ...unless the condition says it is so now: "is it infected if it's
        # been oozing since yesterday?".
        condition = min((s for s, _e in in_clause("conditional", clause) if s > first), default=len(doc))
        if any(s > condition for kind in ("now", "condition_report") for s, _e in in_clause(kind, clause)):
            condition = len(doc)
        if (
            opener is not None
            and not [
                s
                for s, e in in_clause("report", clause)
                if s != opener
                and s < condition
                and not self._verb_of_the_question(doc, s, e)
                # "does it hurt like mad or is it ok?": the same question
                and not (s > 0 and doc[s - 1].lower_ == "or")
            ]
            # "how do I stop the bleeding, it's been going for an hour"
            and not any(s > opener + 1 for s in statements)
            and not asks_what_is_there(opener)
        ):
            return QUESTION
        if measured and self._threshold_asked(doc, clause_of, cues, clause, first, read_not_imagined):
            return QUESTION
        if (
            (
                any(e <= first and reaches(e, adjacent=False) for _s, e in in_clause("history", clause))
                or in_clause("past_time", clause)
            )
            and not in_clause("now", clause)
            and not self._airway_told_now(doc, symptom, own_terms)
        ):
            return HISTORY
        if self._over(doc, in_clause, clause, first, own_terms, clause_of):
            return RESOLVED
        if self._someone_else(doc, clause_of, cues, clause, first, own_terms):
            return OTHER_PERSON
        return PRESENT

    def _better_before(
        self, doc: Doc, clause_of: Sequence[int], clause: int, cue: int, told_in: Optional[int] = None
    ) -> bool:
        """ "they're throbbing so much, and it was much better yesterday": how
        it was before, told beside a symptom in the present, is no easing;
        "had a fever of 38.5, was fine yesterday" is."""
        said_before = doc[cue].lower_ in PAST_BE or (cue > 0 and doc[cue - 1].lower_ in PAST_BE)

        def present_in(target: int) -> bool:
            return any(
                doc[i].lower_ in self.rules.present_verbs and doc[i].lower_ not in PAST_BE
                for i in range(cue)
                if clause_of[i] == target
            )

        # "... it was fine on day 2, but now it's fine" is not before
        if told_in is not None and present_in(told_in):
            return False
        return said_before and present_in(clause)

    def _airway_told_now(self, doc: Doc, symptom: str, own_terms: Set[int]) -> bool:
        """An allergy told as history does not make a reaction in the present
        tense history: "I'm allergic to penicillin ... my throat feels tight"."""
        if symptom not in self.rules.urgent_before_treatment or not own_terms:
            return False
        return any(
            doc[i].lower_ in self.rules.present_verbs for i in range(min(own_terms), max(own_terms) + 1)
        )

    def _said_by_someone(self, doc: Doc, start: int) -> bool:
        """Words right after "says", "thinks" ("he says it's fine")."""
        before = start - 1
        if before >= 0 and doc[before].lower_ in ("it", "that", "he", "she", "they", "everything", "all"):
            before -= 1
        return before >= 0 and doc[before].lower_ in self.rules.reporting_verbs

    def _someone_else(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        clause: int,
        first: int,
        own_terms: Set[int],
    ) -> bool:
        """The symptom is someone else's: a pet's ("my dog's ear is infected")
        or a young child's ("my baby has a fever of 38.2"),
        or another person's told as a story ("my friend had the laser
        elsewhere and got an infection"). Someone writing for a patient
        ("my wife's lips are swelling", "my mum's face keeps bleeding") reports
        it now, and that counts."""
        subjects = [
            (kind, s, e)
            for kind in ("pet", "young_child", "media", "other_person")
            for s, e in cues.get(kind, [])
            if clause_of[s] == clause and e <= first
        ]
        if not subjects:
            return False
        kind, _start, end = max(subjects, key=lambda subject: subject[2])
        if any(
            doc[i].lower_ in FIRST_PERSON and not (i > 0 and doc[i - 1].lower_ == "not")
            for i in range(end, first)
        ):
            return False  # "my dog scratched my face and it's bleeding"; not "my mum (not me)"
        if self._an_observer(doc, end, first) and not _cue_in_clause(
            cues, clause_of, "their_treatment", clause
        ):
            return False  # "my friend who's a nurse said the redness going beyond ..."
        if kind == "pet":
            return True
        if kind == "young_child" and end < len(doc):
            # As the one it happens to: "my baby has a fever", "my little
            # one's face"; not "used my kids' thermometer, says 100.4".
            after = doc[end].lower_
            if (
                after in self.rules.present_verbs
                or after in self.rules.past_verbs
                or after in ("'s", "\u2019s")
            ):
                return True
        if kind == "media":
            # "a TikTok of a girl whose face oozed": the story's person, not
            # "saw a tiktok about aftercare, face is oozing".
            between = {t.lower_ for t in doc[end:first]}
            # "... I'm terrified now": the writer's feeling, not the symptom's time.
            return bool(between & STORY_PEOPLE) and not any(
                clause_of[s] == clause
                and not any(t.lower_ in FIRST_PERSON for t in doc[max(0, s - 3) : s + 3])
                for s, _e in cues.get("now", [])
            )
        dated = any(
            doc[e - 1].lower_ in ("ago", "yesterday") or doc[s].lower_ == "day"
            for s, e in cues.get("treated", [])
        )
        if (
            cues.get("their_treatment")
            and dated
            and not cues.get("treated_elsewhere")
            and not self._treatment_ahead(doc.text)
        ):
            # "my husband had laser 2 days ago, his lips swelled up an hour
            # ago": a patient's own course, told by the one writing for them;
            # not "my friend had the laser elsewhere and got an infection".
            return False
        if cues.get("writer_booked") and not cues.get("their_treatment"):
            # The writer's own appointment is still to come and nothing says
            # the other person was treated: "my daughter has a temperature of
            # 38.5, I might need to move my appointment".
            return True
        if _cue_in_clause(cues, clause_of, "now", clause):
            return False
        last = max(own_terms) + 1 if own_terms else first + 1
        # The treatment's own verb is not the symptom's: "she had the laser
        # 3 days ago and her temp just read 38.6".
        treatment = {i for s, e in cues.get("treated", []) for i in range(s, e)}
        tense = None
        for token in doc[end:last]:
            if token.i in treatment:
                continue
            lower = token.lower_
            if lower in self.rules.present_verbs or (
                # "she's got", "has had": the present perfect is now
                lower in self.rules.past_verbs and token.i > 0 and doc[token.i - 1].lower_ in HAVE
            ):
                tense = "present"
            elif lower in self.rules.past_verbs:
                tense = "past"
        return tense == "past"

    def _an_observer(self, doc: Doc, end: int, first: int) -> bool:
        """The other person only looked or spoke: "my friend had a look and
        said the redness is going beyond the treated area", "my mum noticed
        the red line"; not "she said her lips are swelling"."""
        for i in range(end, first):
            if doc[i].lower_ in self.rules.reporting_verbs or doc[i].lower_ in OBSERVING_VERBS:
                return not any(doc[j].lower_ in THIRD_PERSON for j in range(i + 1, first))
        return False

    def _anxious_about_something_there(self, doc: Doc, start: int, end: int, first: int) -> bool:
        """ "worried about the pus coming out" is about something there;
        "worried about getting an infection" is not, nor is a symptom further
        on ("worried about the pain and about getting an infection")."""
        cue = doc[start:end].text.lower()
        return (
            cue in self.rules.anxiety_cues
            and end < len(doc)
            and doc[end].lower_ in DEFINITE
            and first - end <= 2
        )

    @staticmethod
    def _verb_of_the_question(doc: Doc, start: int, end: int) -> bool:
        """A bare "have", "is" ... beside "to" belongs to the question, not
        to a report: "are you supposed to have pus?", "how high does a fever
        have to be?"."""
        if end - start != 1 or doc[start].lower_ not in WEAK_REPORT_MARKERS:
            return False
        before = doc[start - 1].lower_ if start > 0 else ""
        after = doc[end].lower_ if end < len(doc) else ""
        return before == "to" or after == "to"

    def _threshold_asked(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        clause: int,
        at: int,
        read: bool = False,
    ) -> bool:
        """A number asked about as a limit, not read: "would a temperature of
        38 be worrying?", "call if my temperature goes over 38"."""
        if _cue_in_clause(cues, clause_of, "now", clause):
            return False
        before = [t.lower_ for t in doc[max(0, at - 4) : at] if clause_of[t.i] == clause]
        threshold = any(w in THRESHOLD_WORDS for w in before[-3:])
        indefinite = len(before) >= 3 and before[-3] in ("a", "an") and before[-1] == "of"
        conditional = any(clause_of[s] == clause and e <= at for s, e in cues.get("conditional", []))
        if threshold and conditional and not read:
            return True
        # "if I get a temperature of 38.5": a reading imagined, not taken.
        if indefinite and conditional and any(w in GETTING for w in before) and not read:
            return True
        opening = clause_of.index(clause)
        asked = doc[opening].lower_ in self.rules.question_openers
        own = any(t.lower_ in FIRST_PERSON for t in doc[opening:at])
        # "is 38 degrees a fever?": where a fever starts, asked.
        after = " ".join(t.lower_ for t in doc[at:] if clause_of[t.i] == clause)
        classed = any(f" {words}" in after for words in CLASSED_AS)
        # A reading taken ("38.9") is asked about only as to what it counts
        # as: "would 38.5 count as a fever?" (an answer after it, "that's
        # what mine is", still makes it a report).
        if read:
            return asked and classed and not own
        return asked and (threshold or indefinite or classed) and not own

    def _asked_before(self, doc: Doc, clause_of: Sequence[int], at: int) -> bool:
        """Whether a question opens the clause, or a part of it after a comma,
        before token `at`: "i'm 39, is it ok to have it if ..."."""
        clause = clause_of[at]
        for i in range(at - 1, -1, -1):
            if clause_of[i] != clause:
                return False
            starts_part = i == 0 or clause_of[i - 1] != clause or doc[i - 1].text == ","
            if starts_part and doc[i].lower_ in self.rules.question_openers:
                return True
        return False

    def _question_opener(self, doc: Doc, clause_of: Sequence[int], clause: int, first: int) -> Optional[int]:
        """The token that opens the clause as a question ("do people get ...",
        "is bleeding ..."), if it comes before the symptom."""
        opening = clause_of.index(clause)
        while opening < first and (
            doc[opening].is_punct
            or doc[opening].is_space
            or doc[opening].lower_ in self.rules.clause_breaks
            or doc[opening].lower_ in self.rules.question_lead_ins
        ):
            opening += 1
        if (
            opening < first
            and doc[opening].lower_ in self.rules.question_openers
            and not (opening + 1 < len(doc) and doc[opening + 1].lower_ in self.rules.opener_not_before)
        ):
            return opening
        return None

    def _join_what_it_refers_to(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        seen: Dict[Tuple[str, int, int], Dict[int, List[Tuple[int, int, bool]]]],
    ) -> None:
        """ "The burning was meant to go after a day or two, but it's day 5
        and it's stronger than ever": a clause that says what "it" does, right
        after a clause that names the symptom, completes the rule there."""
        for (symptom, rule_index, clause), groups in list(seen.items()):
            rule = self.rules.symptoms[symptom][rule_index]
            if clause == 0 or 0 in groups or len(rule) < 2 or set(groups) != set(range(1, len(rule))):
                continue
            named = seen.get((symptom, rule_index, clause - 1), {}).get(0)
            if not named or any(negated for _s, _e, negated in named):
                continue
            # In one sentence ("... but it's ..."), or in the next when "it"
            # opens it ("That raw bit. It's the size of a coin now."); not
            # "... crusts. will they come off".
            opening = clause_of.index(clause)
            said_of = min(s for matches in groups.values() for s, _e, _n in matches)
            if opening > 0 and doc[opening - 1].lower_ in self.rules.sentence_ends:
                referring = opening + 1 if doc[opening].lower_ in SENTENCE_LINKS else opening
                if (
                    referring >= len(doc)
                    or doc[referring].lower_ not in REFERRING_WORDS
                    or said_of - referring > 4
                ):
                    continue
            else:
                before = [t.lower_ for t in doc[max(0, said_of - 2) : said_of] if clause_of[t.i] == clause]
                # ...or a clause with no subject of its own: "pain went down
                # by day 3 | then came back stronger".
                subjectless = all(t.lower_ in SENTENCE_LINKS for t in doc[opening:said_of])
                if not subjectless and not any(word in REFERRING_WORDS for word in before):
                    continue
            groups[0] = named

    @staticmethod
    def _denied_as_a_list(
        clause_of: Sequence[int], cues: Dict[str, List[Tuple[int, int]]], mentions: List[Mention]
    ) -> List[Mention]:
        """ "The nurse asked me to report any pus, fever or bleeding. I have
        none of those.": what was listed, up to two clauses before, is denied."""
        denied = [clause_of[s] for s, _e in cues.get("list_denied", [])]
        if not denied:
            return mentions
        return [
            Mention(m.symptom, m.words, m.clause, NEGATED)
            if m.status == PRESENT and any(0 <= c - m.clause <= LIST_DENIED_REACH for c in denied)
            else m
            for m in mentions
        ]

    @staticmethod
    def _dates_a_past(doc: Doc, clause_of: Sequence[int], start: int, end: int) -> bool:
        """Whether a past-time cue dates a past at all: "back in" only before
        a time ("back in 2019", not "it didn't fill back in"), and "before the
        laser" not after a negation ("I didn't before the laser": new since
        the treatment, not history)."""
        if doc[start:end].text.lower() == "back in":
            return end < len(doc) and _a_time(doc[end])
        # "pus everywhere, never seen anything like it in my life", "the first
        # time in my life": what is new, not a past.
        if any(
            t.lower_ in NOVELTY_WORDS
            for t in doc[max(0, start - 8) : start]
            if clause_of[t.i] == clause_of[start]
        ):
            return False
        if doc[start].lower_ == "before":
            return not any(
                t.lower_ in NEGATION_WORDS
                for t in doc[max(0, start - 4) : start]
                if clause_of[t.i] == clause_of[start]
            )
        return True

    @staticmethod
    def _answer_ends(doc: Doc, at: int) -> bool:
        """A bare answer ends at `at`, or after its object there: "i do",
        "ive got them, had my laser on friday"; not "i have it booked"."""
        if at < len(doc) and doc[at].lower_ in ANSWER_OBJECTS:
            at += 1
        return at >= len(doc) or doc[at].is_punct or doc[at].lower_ in ANSWER_ENDS

    @staticmethod
    def _well_again(doc: Doc, at: int) -> bool:
        """ "I feel like myself again", "back to normal again": the patient
        is well again, nothing came back."""
        return doc[at].lower_ == "again" and at > 0 and doc[at - 1].lower_ in WELL_AGAIN

    @staticmethod
    def _past_intensifiers(doc: Doc, at: int) -> int:
        """The first word at or after `at` that is not "right" or "straight":
        "it's gone right down past my jaw" goes somewhere."""
        while at + 1 < len(doc) and doc[at].lower_ in MOVEMENT_INTENSIFIERS:
            at += 1
        return at

    def _without_contrasts(self, doc: Doc, mentions: List[Mention]) -> List[Mention]:
        """ "a black patch, not like the tiny dots": the expected marks of
        healing set against what the patient reports are no symptom denied,
        and must not make the message read as a list of absent symptoms."""
        contrast = self.rules.contrast_marks
        if not contrast:
            return mentions
        text = doc.text.lower()
        return [
            m
            for m in mentions
            if not (
                m.status == NEGATED
                and m.words.lower() in contrast
                and re.search(
                    r"\b(?:not|unlike)\s+(?:like\s+|just\s+)?(?:the|those|these|my|a|any|your)?\s*(?:\w+\s+){0,2}"
                    + re.escape(m.words.lower())
                    + r"\b",
                    text,
                )
            )
        ]

    @staticmethod
    def _followed_by(doc: Doc, at: int, phrases: Sequence[str]) -> bool:
        following = " ".join(t.lower_ for t in doc[at : at + 3])
        return any(following == p or following.startswith(p + " ") for p in phrases)

    @staticmethod
    def _over_before_now(
        doc: Doc, clause_of: Sequence[int], cues: Dict[str, List[Tuple[int, int]]], start: int, end: int
    ) -> bool:
        """A pluperfect end ("it had stopped", "it'd settled") followed by a
        word of now in the same or the next clause: it was over, and is not."""
        pluperfect = any(t.lower_ in ("had", "'d") for t in doc[max(0, start - 2) : start])
        return pluperfect and any(
            s >= end and 0 <= clause_of[s] - clause_of[start] <= 1 for s, _e in cues.get("now", [])
        )

    def _over(
        self, doc: Doc, in_clause, clause: int, first: int, own_terms: Set[int], clause_of: Sequence[int]
    ) -> bool:
        # "can't cope with the pain anymore": after a symptom that is itself
        # a negation, "anymore" says it goes on.
        negated_term = any(doc[i].lower_ in NEGATION_WORDS for i in own_terms)
        # After the symptom, and not one of its own words ("has gone grey").
        resolved_here = [
            s
            for s, e in in_clause("resolved", clause)
            if s > first
            and not own_terms.intersection(range(s, e))
            and not (negated_term and doc[s:e].text.lower() in self.rules.ongoing_after_negated_term)
            and not self._better_before(doc, clause_of, clause, s)
        ]
        if resolved_here:
            # Unless it came back or is worse: "it stopped but started again",
            # "pain much worse today, was fine on day 2".
            return not (in_clause("recurrence", clause) or in_clause("recurrence", clause + 1))
        following = clause + 1
        if following > (max(clause_of) if clause_of else 0):
            return False
        # "... blisters that are weeping. Will the wrinkles keep improving?":
        # a question asks about easing, it does not say so.
        words = [t.lower_ for i, t in enumerate(doc) if clause_of[i] == following]
        while words and words[0] in ("and", "but", "so", "also"):
            words.pop(0)
        if words and words[-1] == "?" and words[0] in QUESTION_OPENERS:
            return False
        # "the pain is unbearable on day 4? it was fine on day 2": how it was
        # before, told after a symptom in the present, is no easing.
        return (
            any(
                not self._better_before(doc, clause_of, clause, s, told_in=following)
                for s, _e in in_clause("resolved", following)
            )
            and not in_clause("recurrence", following)
            and not in_clause("recurrence", following + 1)
        )

    def _temperatures(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        exceptions: Set[Tuple[str, int, int]],
    ) -> List[Mention]:
        rules = self.rules.temperature
        if rules is None:
            return []
        found: List[Mention] = []
        # "it was 101 | but now 99": the second clause's bare 99 is a reading too.
        scales_read = {_scale_of(degrees) for degrees, *_rest in _read_temperatures(doc.text, rules)}
        if not scales_read:
            return []
        for clause in sorted(set(clause_of)):
            members = [i for i, c in enumerate(clause_of) if c == clause]
            span = doc[members[0] : members[-1] + 1]
            readings = _read_temperatures(span.text, rules, scales_read)
            if not readings:
                continue
            # The latest reading decides: the one said to be now ("it's 38.1
            # now, it was 37.5 earlier"), else the last ("38.5 last night,
            # 37.2 now" is over).
            value, words, is_fever, offset = self._latest_reading(
                doc, span, readings, cues, clause_of, clause
            )
            char = span.start_char + offset
            first = next((t.i for t in span if t.idx + len(t) > char), members[-1])
            if not is_fever and any(
                doc[max(members[0], first - size) : first].text.lower() in rules.settled_leads
                for size in (1, 2, 3, 4, 5)
            ):
                # "... but it was back to 36.8": the current temperature.
                cues.setdefault("reading_settled", []).append((first, first + 1))
            if is_fever:
                threshold = (
                    rules.fever_from_celsius if value < CELSIUS_RANGE[1] + 1 else rules.fever_from_fahrenheit
                )
                precise = value > threshold + 1e-9 and bool(DECIMAL_READING.search(words))
                # Read like any symptom: asked about, history, over ... A
                # number is a measurement, so neither a question opener ("is
                # 38.5 too high?") nor "if" makes it a hypothetical.
                status = self._status(
                    doc,
                    clause_of,
                    cues,
                    exceptions,
                    rules.symptom,
                    clause,
                    first,
                    {first},
                    measured=True,
                    precise=precise,
                )
                in_clause = [
                    (kind, s)
                    for kind in ("resolved", "recurrence", "question")
                    for s, _e in cues.get(kind, [])
                    if clause_of[s] == clause
                ]
                # Over when said so after the reading, or before it with no
                # word of now between: not "was normal this morning, now 38.4".
                nows = [n for n, _e in cues.get("now", []) if clause_of[n] == clause]
                kinds = {
                    kind
                    for kind, at in in_clause
                    if kind != "resolved" or at > first or not any(at < n < first for n in nows)
                }
                if status == PRESENT and "resolved" in kinds and "recurrence" not in kinds:
                    status = RESOLVED
                elif status == PRESENT and "question" in kinds and not precise:
                    status = QUESTION
            elif any(fever for _v, _w, fever, _o in readings):
                status = RESOLVED
            else:
                status = BELOW_THRESHOLD
            found.append(Mention(rules.symptom, words, clause, status))
        return found

    def _pain_scores(
        self,
        doc: Doc,
        clause_of: Sequence[int],
        cues: Dict[str, List[Tuple[int, int]]],
        exceptions: Set[Tuple[str, int, int]],
        mentions: List[Mention],
    ) -> List[Mention]:
        """Severe pain told as a score on a 0-10 scale: the latest score is
        high ("day 5, it's an 8"), or has risen steeply ("2/10 on day 3, 6/10
        today"). A latest score that is neither outweighs the words that
        matched an earlier one: "itching 10/10, pain 0/10", "pain was 8/10,
        now 2/10"."""
        rules = self.rules.pain_score
        if rules is None:
            return mentions
        if not NUMBER_LIKE.search(doc.text):
            return mentions
        scores, others = _read_pain_scores(doc, rules)

        def below(mention: Mention, matched_a_number: Callable[[Mention], bool]) -> Mention:
            # The words of a severe_pain rule matched a number ("10/10") that
            # the scores show is not a severe pain now.
            if mention.symptom == rules.symptom and mention.status == PRESENT and matched_a_number(mention):
                return Mention(mention.symptom, mention.words, mention.clause, BELOW_THRESHOLD)
            return mention

        if not scores:
            # "I'd rate my results 10/10": the words matched a score of
            # something else.
            def only_other_scores(m: Mention) -> bool:
                rest = SCORE_OUT_OF_10.sub(
                    lambda s: "" if s.group(1) in others else s.group(0), m.words.lower()
                )
                return any(c.isdigit() for c in m.words) and not any(c.isdigit() for c in rest)

            return [below(m, only_other_scores) for m in mentions]

        def told_as_past(at: int) -> bool:
            return any(t.lower_ in PAST_SCORE_WORDS for t in doc[max(0, at - 3) : at]) or any(
                t.lower_ in PAST_SCORE_AFTER for t in doc[at + 1 : at + 2]
            )

        # The latest score is the last one not told as past: "9/10 today, was
        # 5/10 yesterday" is a 9.
        current = [(at, value) for at, value in scores if not told_as_past(at)]
        latest_at, latest = (current or scores)[-1]
        clause = clause_of[latest_at]
        # A rise is read from the scores told as past, from a run of scores
        # ("from 2/10 to 6/10", "2, 3, 6"), or from any earlier score where the
        # latest is said to be now.
        now = any(clause_of[s] == clause for s, _e in cues.get("now", []))
        earlier = [
            value
            for at, value in scores
            if at != latest_at and (told_as_past(at) or (at < latest_at and (now or latest_at - at <= 4)))
        ]
        risen = bool(earlier) and latest - min(earlier) >= rules.rise_of and latest >= rules.rising_to
        if not (latest >= rules.severe_from or risen):
            return [
                below(m, lambda m: m.clause <= clause and any(c.isdigit() for c in m.words)) for m in mentions
            ]
        status = self._status(doc, clause_of, cues, exceptions, rules.symptom, clause, latest_at, {latest_at})
        words = doc[scores[0][0] : latest_at + 1].text if len(scores) > 1 else doc[latest_at].text
        return mentions + [Mention(rules.symptom, words, clause, status)]

    @staticmethod
    def _latest_reading(
        doc: Doc,
        span: Span,
        readings: List[Tuple[float, str, bool, int]],
        cues: Dict[str, List[Tuple[int, int]]],
        clause_of: Sequence[int],
        clause: int,
    ) -> Tuple[float, str, bool, int]:
        # "now" itself, not "this morning": "it was 37.2 this morning, now it's 38.9".
        nows = [
            doc[start].idx
            for start, end in cues.get("now", [])
            if clause_of[start] == clause and doc[start:end].text in STRICTLY_NOW
        ]
        if len(readings) < 2 or not nows:
            return readings[-1]
        return min(
            reversed(readings),
            key=lambda reading: min(abs(span.start_char + reading[3] - now) for now in nows),
        )

    def _readings_decide_fever(
        self, mentions: List[Mention], clause_of: Sequence[int], cues: Dict[str, List[Tuple[int, int]]]
    ) -> List[Mention]:
        """The last temperature the patient gave decides, in one pass:
        - under the threshold or over, it outweighs the words ("thought I had
          a temperature, but it was 37.0");
        - said to be the current one (now, today, back to ...), it also settles
          the earlier readings ("38.3 last night, but it's 36.9 now")."""
        rules = self.rules.temperature
        if rules is None:
            return mentions
        readings = [m for m in mentions if m.symptom == rules.symptom and m.words[:1].isdigit()]
        if not readings or readings[-1].status not in (BELOW_THRESHOLD, RESOLVED):
            return mentions
        last = readings[-1]
        current = any(
            clause_of[start] == last.clause
            for kind in ("now", "resolved", "reading_settled")
            for start, _end in cues.get(kind, [])
        ) and not any(clause_of[start] >= last.clause for start, _e in cues.get("recurrence", []))
        result = []
        for mention in mentions:
            if mention.symptom == rules.symptom and mention.status == PRESENT:
                if not mention.words[:1].isdigit():
                    mention = Mention(mention.symptom, mention.words, mention.clause, last.status)
                elif current and mention.clause < last.clause:
                    mention = Mention(mention.symptom, mention.words, mention.clause, RESOLVED)
            result.append(mention)
        return result


STRICTLY_NOW = {"now", "right now", "currently", "at the moment", "atm"}
WORD = re.compile(r"[\w°%£$€#']+|\S")
# Words that link a number to what it counts: "my code is 38.5", "size of 39".
LINKING_WORDS = {
    "is",
    "was",
    "of",
    "about",
    "around",
    "at",
    "my",
    "the",
    "a",
    "only",
    "just",
    "'s",
    "it's",
    "its",
    "are",
    "were",
    "roughly",
    "like",
    "=",
    ":",
    "approx",
    "nearly",
    "almost",
}
# How far (in words) a bare whole number may stand from the word that makes
# it a temperature: "38 and a bit on the thermometer".
CONTEXT_REACH = 6


_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_TENS = {"thirty": 30, "forty": 40, "ninety": 90}
NUMBER_WORDS = re.compile(
    r"\b(?:(?P<hundred>(?:a |one )?hundred(?: and)?(?: (?P<hu>one|two|three|four|five|six|seven|eight|nine))?)"
    r"|(?P<tens>thirty|forty|ninety)(?:[ -](?P<u>one|two|three|four|five|six|seven|eight|nine))?)"
    r"(?: point (?P<p>zero|one|two|three|four|five|six|seven|eight|nine))?\b",
    re.IGNORECASE,
)


def _words_to_digits(text: str) -> Tuple[str, List[int]]:
    """ "thirty eight point five" -> "38.5", with where each character came from."""
    out: List[str] = []
    where: List[int] = []
    last = 0
    for match in NUMBER_WORDS.finditer(text):
        groups = {k: (v or "").lower() for k, v in match.groupdict().items()}
        if groups["hundred"]:
            value = 100 + _UNITS.get(groups["hu"], 0)
        else:
            value = _TENS[groups["tens"]] + _UNITS.get(groups["u"], 0)
        digits = str(value) + (f".{_UNITS[groups['p']]}" if groups["p"] else "")
        out.append(text[last : match.start()])
        where.extend(range(last, match.start()))
        out.append(digits)
        where.extend([match.start()] * len(digits))
        last = match.end()
    out.append(text[last:])
    where.extend(range(last, len(text)))
    return "".join(out), where


def _scale_of(degrees: float) -> str:
    return "C" if degrees <= CELSIUS_RANGE[1] else "F"


@lru_cache(maxsize=8)
def _phrases_by_first_word(phrases: FrozenSet[str]) -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """Phrases split as `_read_temperatures` splits a message, by their first
    word: each message is then read once, not once per phrase."""
    grouped: Dict[str, List[Tuple[str, ...]]] = {}
    for phrase in phrases:
        parts = tuple(WORD.findall(phrase))
        if parts:
            grouped.setdefault(parts[0], []).append(parts)
    return {first: tuple(group) for first, group in grouped.items()}


def _read_temperatures(
    text: str, rules: TemperatureRules, scales_read: Iterable[str] = ()
) -> List[Tuple[float, str, bool, int]]:
    """(degrees, words, is a fever, where it starts in `text`) for each number
    in `text` that is a temperature, in digits or words ("thirty eight point
    five"). `scales_read`: scales on which the rest of the message gave a
    reading, so that a bare number on one is a reading too."""
    if not any(c.isdigit() for c in text) and not NUMBER_WORDS.search(text):
        return []
    text, where = _words_to_digits(text)
    tokens = [(m.group(0).lower(), m.start()) for m in WORD.finditer(text)]
    words = [w for w, _ in tokens]
    # Words of the weather, a bath, a trip ... and words that say it is the
    # patient's own temperature; a number is the patient's unless a word of
    # the first kind stands nearer to it than any of the second.
    not_body: Set[int] = set()
    phrases = _phrases_by_first_word(rules.not_body_words)
    for i, word in enumerate(words):
        for parts in phrases.get(word, ()):
            if tuple(words[i : i + len(parts)]) == parts:
                not_body.update(range(i, i + len(parts)))
    context = [i for i, w in enumerate(words) if (w in rules.context_words or w.startswith("°"))]
    body = [i for i, w in enumerate(words) if w in rules.body_words and i not in not_body]
    readings: List[Tuple[Tuple[float, str, bool, int], str]] = []
    bare: List[Tuple[Tuple[float, str, bool, int], str]] = []
    for match in TEMPERATURE.finditer(text):
        whole, fraction, point, unit = match.group(1), match.group(2), match.group(3), match.group(4)
        value = float(whole)
        if fraction:
            value += float(f"0.{fraction}")
        elif point:
            value += int(point) / 10
        elif "half" in match.group(0).lower():
            value += 0.5
        at = next((i for i, (_w, start) in enumerate(tokens) if start >= match.start()), len(tokens))
        ends = next((i for i, (_w, start) in enumerate(tokens) if start >= match.end()), len(tokens))
        before = [w.strip(".,:;") for w in words[max(0, at - 4) : at]]
        bare_before = list(words[max(0, at - 1) : at])
        # "under 100.4", "less than 38", "never got to 38", "not 38": a bound,
        # just below the number.
        if any(" ".join(before[-size:]) in rules.upper_bounds for size in (1, 2, 3) if len(before) >= size):
            value -= 0.05
        while len(before) > 1 and before[-1] in LINKING_WORDS:
            before.pop()
        after = words[ends : ends + 1]
        # A phrase of not_after may be two words: "I keep it at 38" is a bath.
        # A number with its own unit is no count of what follows: "38.5c day 2".
        if (before and (before[-1] in rules.not_after or " ".join(before[-2:]) in rules.not_after)) or (
            after and after[0] in rules.not_before and not match.group(4)
        ):
            continue
        if not_body:
            nearest_other = min(abs(i - at) for i in not_body)
            nearest_body = min((abs(i - at) for i in body), default=None)
            if nearest_body is None or nearest_other < nearest_body:
                continue
        if _names_the_threshold(words[max(0, at - 3) : at], words[ends : ends + 1], value, rules):
            continue
        unit = (unit or "").lower()
        if "f" in unit:
            scale = "F"
        elif "c" in unit:
            scale = "C"
        elif CELSIUS_RANGE[0] <= value <= CELSIUS_RANGE[1]:
            scale = "C"
        elif FAHRENHEIT_RANGE[0] <= value <= FAHRENHEIT_RANGE[1]:
            scale = "F"
        else:
            continue
        low, high = CELSIUS_RANGE if scale == "C" else FAHRENHEIT_RANGE
        if not low <= value <= high:
            continue
        # A bare whole number ("I'm 39") is only a temperature beside a word
        # that says so; a decimal in range ("38,9 this evening") always is.
        near = any(at - CONTEXT_REACH <= i < ends + CONTEXT_REACH for i in context)
        # Thermometers show one decimal; "39.99" is a price unless said to be
        # a temperature.
        one_decimal = (fraction and len(fraction) == 1) or point or "half" in match.group(0).lower()
        threshold = rules.fever_from_celsius if scale == "C" else rules.fever_from_fahrenheit
        reading = (value, match.group(0).strip(), value >= threshold - 1e-9, where[match.start()])
        # "101kg": a number run into a word is no bare reading.
        ends_at = match.start() + len(match.group(0).rstrip())
        run_on = text[ends_at : ends_at + 1].isalpha()
        if (
            unit
            or near
            or one_decimal
            or (not run_on and _a_bare_fahrenheit_reading(value, scale, bare_before, after, rules))
        ):
            readings.append((reading, scale))
        elif not run_on and not (before and before[-1] == "or"):
            # ("37.5 or 38?" offers a choice, not a second reading.)
            bare.append((reading, scale))
    # Beside a reading, a bare number on the same scale is another reading:
    # "it was 101 but now 99".
    scales = {scale for _reading, scale in readings} | set(scales_read)
    readings += [(reading, scale) for reading, scale in bare if scale in scales]
    return sorted((reading for reading, _scale in readings), key=lambda reading: reading[3])


def _names_the_threshold(
    before: Sequence[str], after: Sequence[str], value: float, rules: TemperatureRules
) -> bool:
    """ "the fever threshold is 38", "only from 38", "under the 38 line": the
    clinic's threshold named, not read off a thermometer, unless said to be
    crossed ("hit the 38 mark"). The words are `vital_signs.temperature`'s."""
    if not any(abs(value - t) < 1e-9 for t in (rules.fever_from_celsius, rules.fever_from_fahrenheit)):
        return False
    before = [w.strip(".,:;") for w in before]
    if before and before[-1] == "the":
        return (
            bool(after)
            and after[0] in rules.threshold_names
            and not (len(before) > 1 and before[-2] in rules.crossing_words)
        )
    if before and before[-1] in ("is", "of", "at") and len(before) > 1:
        return before[-2] in rules.threshold_names
    # ("from 38 to 39.2" is a rise, not the threshold.)
    return bool(before) and before[-1] in rules.threshold_leads and not (after and after[0] == "to")


def _a_bare_fahrenheit_reading(
    value: float, scale: str, before: List[str], after: List[str], rules: TemperatureRules
) -> bool:
    """A whole number from 100 to 106 is no age, day or size a patient would
    give without its unit: a Fahrenheit reading where it opens the message or
    follows a word that gives a reading ("is 101 ok?", "hit 102"), unless a
    noun follows it; not a numbered line ("how much is it? (101)")."""
    return (
        scale == "F"
        and value.is_integer()
        and 100 <= value <= 106
        and (not before or before[-1] in rules.bare_fahrenheit_leads)
        and (
            not after
            or after[0] in rules.bare_fahrenheit_followers
            or not (after[0].isalpha() or after[0] in ")]")
        )
    )


# "8/10", "8 out of 10", "8 out of ten"; "a 2 ... an 8" and "went 2, 3, 6, 8"
# only where pain is named before them.
OUT_OF_10 = r"(?:/\s*10|out\s+of\s+(?:10|ten)|outta\s+10)"
SCALE_AFTER = re.compile(r"^\s*" + OUT_OF_10 + r"\b", re.IGNORECASE)
PAST_SCORE_WORDS = {"was", "were", "had", "yesterday", "before", "earlier"}
PAST_SCORE_AFTER = {"yesterday", "before", "earlier", "last", "previously"}
SCORE_OUT_OF_10 = re.compile(r"\b(\d{1,2})\s*" + OUT_OF_10 + r"\b")
JOINED_SCORE = re.compile(r"^(\d{1,2})/10$")
SCORE_LEADS = {"a", "an", "at", "to", "is", "'s", "now", "been", "about", "around", "like", "went", "was"}
# "at 9" is more often a time of day than a score: only "at 8 now", "at 8."
AFTER_AT_SCORE = {"", ".", ",", "!", "?", "now", "today", "tonight", "and", "but", ";", ")"}
NOT_A_SCORE_AFTER = {
    "day",
    "days",
    "week",
    "weeks",
    "hour",
    "hours",
    "hrs",
    "hr",
    "min",
    "mins",
    "minutes",
    "am",
    "pm",
    "%",
    "x",
    "times",
    "o'clock",
    "year",
    "years",
    "month",
    "months",
    "night",
    "nights",
    "tablets",
    "tablet",
    "pills",
    "pill",
    "mg",
    "ml",
    "kids",
    "children",
    "people",
    "spf",
}
SCORE_WORDS = {
    "ten": 10,
    "nine": 9,
    "eight": 8,
    "seven": 7,
    "six": 6,
    "five": 5,
    "four": 4,
    "three": 3,
    "two": 2,
    "one": 1,
    "zero": 0,
}


# Scores come as digits or as number words; a message with neither is not read.
NUMBER_LIKE = re.compile(r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)


def _read_pain_scores(doc: Doc, rules: PainScoreRules) -> Tuple[List[Tuple[int, int]], Set[str]]:
    """(token index, score) of each pain score in `doc`, in order; and the
    scores out of 10 that score something else ("results 10/10")."""

    def names(token: Token, words: Set[str]) -> bool:
        return token.lower_ in words or token.lemma_.lower() in words

    something_else_scored = any(names(t, rules.other_scores) for t in doc)
    scores: List[Tuple[int, int]] = []
    others: Set[str] = set()
    # What the last label word scores: pain (True) or something else (False).
    label: Optional[bool] = None
    for token in doc:
        word = token.lower_
        if names(token, rules.pain_words):
            label = True
            continue
        if names(token, rules.other_scores):
            label = False
            continue
        # "itching 10/10" scores the itch; an unlabelled "Day 4: 8/10" scores
        # pain where the message scores nothing else.
        scale_is_pain = label is True or (label is None and not something_else_scored)
        joined = JOINED_SCORE.match(word)
        if joined:
            if scale_is_pain and int(joined.group(1)) <= 10:
                scores.append((token.i, int(joined.group(1))))
            elif not scale_is_pain:
                others.add(joined.group(1))
            continue
        value = int(word) if word.isdigit() and len(word) <= 2 else SCORE_WORDS.get(word)
        if value is None or value > 10:
            continue
        after = doc.text[token.idx + len(token.text) :]
        if SCALE_AFTER.match(after):
            if scale_is_pain:
                scores.append((token.i, value))
            else:
                others.add(str(value))
            continue
        previous = doc[token.i - 1].lower_ if token.i > 0 else ""
        following = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
        if (
            label is True
            and word.isdigit()
            and (previous in SCORE_LEADS or (scores and previous in {",", "then", "to", "->"}))
            and following not in NOT_A_SCORE_AFTER
            and (previous != "at" or following in AFTER_AT_SCORE)
            and not re.match(r"^[.,:]\d", after)
        ):
            scores.append((token.i, value))
    return scores, others


TIME_WORDS = {
    "the",
    "my",
    "school",
    "college",
    "uni",
    "university",
    "summer",
    "winter",
    "spring",
    "autumn",
    "fall",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}


def _a_time(token: Token) -> bool:
    return token.like_num or token.lower_ in TIME_WORDS


def detector_for(nlp: Language, rules_path: Optional[Path] = None) -> RedFlagDetector:
    return RedFlagDetector(nlp, load_rules(rules_path))


def symptom_names(rules: RedFlagRules) -> Sequence[str]:
    return sorted(rules.symptoms)
