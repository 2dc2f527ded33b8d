"""Two questions in one message: Rasa's multi-intent route against ours.

Rasa's route (the tokenizer's `intent_split_symbol`) learns combined labels
("faq/cost+faq/downtime") from examples that ask both questions. This script
builds such examples from the training data's own single questions, joined
the ways patients join two questions, trains a word and character n-gram
classifier on the single questions plus the pairs, and scores it beside the
bot's own route (a classifier that judges each question of a message,
`components/linear_intent_classifier.py`, read from the trained model):

- on the development sets' two-question turns whose two topics are both
  answerable (faq/*, recovery/*): both topics in the order asked, and both
  in any order;
- on the single questions of `nlu_dev.yml`, where a combined label is wrong.

    .venv/bin/python -m benchmarks.multi_intent
"""

from __future__ import annotations

import asyncio
import datetime as dt
import glob
import logging
import os
import random
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from benchmarks.dev_eval import load_labelled_questions
from benchmarks.nlu_quality import training_examples
from clinicbot.conversation_eval import load_conversations, render
from clinicbot.paths import PROJECT_ROOT

SPLIT = "+"
# How patients join two questions.
JOINERS = (" and ", ", also ", ". ", "? and ", " & ", " plus ", "? ", ", and ")
# Per ordered pair of topics (some 460 pairs): with 6 the model never chose
# a combined label; 30 gives it a fair chance.
PAIRS_PER_LABEL_PAIR = 30
DEV_SETS = PROJECT_ROOT / "benchmarks" / "dev_sets"


def _answerable(label: str) -> bool:
    return "/" in label


def pair_examples(singles: Sequence[Tuple[str, str]], seed: int = 42) -> List[Tuple[str, str]]:
    """Two single questions of different answerable topics, joined: "A+B"."""
    rng = random.Random(seed)
    by_label: Dict[str, List[str]] = {}
    for text, label in singles:
        if _answerable(label):
            by_label.setdefault(label, []).append(text.rstrip("?. "))
    labels = sorted(by_label)
    pairs = []
    for first in labels:
        for second in labels:
            if first == second:
                continue
            for _ in range(PAIRS_PER_LABEL_PAIR):
                text = rng.choice(by_label[first]) + rng.choice(JOINERS) + rng.choice(by_label[second]) + "?"
                pairs.append((text, f"{first}{SPLIT}{second}"))
    return pairs


def multi_intent_model(examples: Sequence[Tuple[str, str]]) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )
    # A linear SVM: one-vs-rest over some 480 combined labels trains in a
    # minute, where a multinomial logistic regression takes many.
    model = Pipeline([("features", features), ("classifier", LinearSVC(C=0.5))])
    return model.fit([text.lower() for text, _ in examples], [label for _, label in examples])


def two_question_turns(today: dt.date) -> List[Tuple[str, List[str]]]:
    """(message, [topic, topic]) from the development sets' two-question turns."""
    turns = []
    for path in sorted(glob.glob(str(DEV_SETS / "conversations_dev*.yml"))):
        for conversation in load_conversations(Path(path)):
            for turn in conversation.turns:
                topics = [str(t) for t in turn.expect.get("topics") or []]
                if len(topics) == 2 and all(_answerable(t) for t in topics):
                    turns.append((render(turn.user, today), topics))
    return turns


def _our_labels(parse: dict) -> List[str]:
    questions = [str(q["label"]) for q in parse.get("questions") or []]
    if questions:
        return questions
    intent = parse.get("intent") or {}
    return [str(intent.get("full_retrieval_intent_name") or intent.get("name"))]


def main() -> None:
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    today = dt.date.today()
    singles = training_examples()
    model = multi_intent_model(list(singles) + pair_examples(singles))
    agent = Agent.load(str(PROJECT_ROOT / "models" / "clinic-bot.tar.gz"))

    def ours(text: str) -> List[str]:
        return _our_labels(asyncio.run(agent.parse_message(text)))

    turns = two_question_turns(today)
    predicted = model.predict([text.lower() for text, _ in turns])
    theirs = [str(label).split(SPLIT) for label in predicted]
    our_answers = [ours(text) for text, _ in turns]
    singles_dev = load_labelled_questions(DEV_SETS / "nlu_dev.yml")
    single_predicted = model.predict([text.lower() for text, _ in singles_dev])
    our_single = [ours(text)[0] for text, _ in singles_dev]

    def rows(answers: Sequence[List[str]]) -> Tuple[int, int]:
        in_order = sum(answer[:2] == gold for answer, (_, gold) in zip(answers, turns))
        any_order = sum(sorted(answer[:2]) == sorted(gold) for answer, (_, gold) in zip(answers, turns))
        return in_order, any_order

    def single_accuracy(labels: Sequence[str]) -> float:
        return sum(label == gold for label, (_, gold) in zip(labels, singles_dev)) / len(singles_dev)

    n = len(turns)
    for name, answers, single in (
        ("Rasa multi-intent (combined labels)", theirs, [str(label) for label in single_predicted]),
        ("ours (each question judged)", our_answers, our_single),
    ):
        in_order, any_order = rows(answers)
        print(
            f"{name}: two-question turns {in_order}/{n} in order, {any_order}/{n} in any order; "
            f"single questions (nlu_dev, n={len(singles_dev)}) {single_accuracy(single):.3f}"
        )


if __name__ == "__main__":
    main()
