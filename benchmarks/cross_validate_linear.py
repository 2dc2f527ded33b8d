"""5-fold cross-validation on the training data: the product's classifier vs the TF-IDF peer.

    python -m benchmarks.cross_validate_linear

Model choice is made here, on the training data, never on the held-out set.
"""
from __future__ import annotations

import time
from collections import Counter

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score

from benchmarks.nlu_quality import tfidf_peer, training_examples
from components.linear_intent_classifier import LinearIntentClassifier, build_model

FOLDS = 5


def main() -> None:
    examples = training_examples()
    texts = [text for text, _ in examples]
    labels = np.array([label for _, label in examples])
    smallest_in_fold = min(Counter(labels).values()) * (FOLDS - 1) // FOLDS
    candidates = {
        "TF-IDF logistic regression (the benchmark's peer)": tfidf_peer,
        "LinearIntentClassifier (config.yml)": lambda: build_model(
            LinearIntentClassifier.get_default_config(), smallest_in_fold),
    }
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    print(f"{len(texts)} training examples, {len(set(labels))} labels, {FOLDS}-fold CV")
    for name, make in candidates.items():
        started = time.perf_counter()
        scores = cross_val_score(make(), texts, labels, cv=folds)
        print(f"{name}: accuracy {scores.mean():.3f} ± {scores.std():.3f} "
              f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
