"""The urgency detector on development sets, in-process and fast.

benchmarks.dev_eval starts the real bot and parses each message over HTTP
(about 5 minutes for all the sets); this trains the urgency classifier beside
the rules as `make model` does (the settings in config.yml, every NLU example
including the urgency-only ones) and calls `assess` on each message: about
2.5 minutes for all twenty-four sets, within a miss or two of the full parse.

    python -m benchmarks.dev_urgency_inprocess benchmarks/dev_sets/urgency_dev*.yml
    python -m benchmarks.dev_urgency_inprocess --c 10 --budget 0.027 --failures out.json FILES
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Dict, List

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks.nlu_quality import checked_sources, pipeline_setting
from benchmarks.urgency_quality import SPACY_PIPELINE, product_settings
from clinicbot.model_quality import RED_FLAG
from clinicbot.red_flags import detector_for
from clinicbot.urgency import assess, train_beside_rules
from clinicbot.urgency_metrics import load_urgency_cases


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--budget", type=float, help="max_false_alarm_rate instead of config.yml's")
    parser.add_argument("--overrule", type=float, help="overrule_threshold instead of config.yml's")
    parser.add_argument("--c", type=float, help="the classifier's C instead of config.yml's")
    parser.add_argument("--failures", type=Path, help="write every miss and false alarm here (JSON)")
    args = parser.parse_args()

    import spacy

    nlp = spacy.load(SPACY_PIPELINE)
    detector = detector_for(nlp)
    examples = sorted({(e.text.lower(), e.label == RED_FLAG) for e in checked_sources().examples()})
    settings: Dict[str, Any] = dict(product_settings())
    for name, value in (
        ("max_false_alarm_rate", args.budget),
        ("overrule_threshold", args.overrule),
        ("c", args.c),
    ):
        if value is not None:
            settings[name] = value
    classifier = train_beside_rules(
        [t for t, _ in examples], [u for _, u in examples], detector, nlp, **settings
    )
    settled = pipeline_setting("UrgencyDetector", "settled_threshold")
    negated = pipeline_setting("UrgencyDetector", "negated_threshold")
    print(f"threshold {classifier.threshold}, overrule {classifier.overrule_threshold}")

    failures: Dict[str, List[Dict[str, Any]]] = {}
    totals = [0, 0, 0, 0]
    for path in args.files:
        cases = load_urgency_cases(path)
        wrong = []
        for case in cases:
            verdict = assess(nlp(case.text.lower()), detector, classifier, settled, negated)
            if verdict.urgent != case.urgent:
                wrong.append(
                    {
                        "kind": case.kind,
                        "urgent": case.urgent,
                        "text": case.text,
                        "why": verdict.explanation(),
                    }
                )
        misses = sum(1 for w in wrong if w["urgent"])
        urgent = sum(1 for c in cases if c.urgent)
        for i, value in enumerate((misses, urgent, len(wrong) - misses, len(cases) - urgent)):
            totals[i] += value
        print(
            f"{path.name:28s} misses {misses:3d}/{urgent:4d}  false alarms {len(wrong) - misses:3d}/{len(cases) - urgent:4d}"
        )
        failures[str(path)] = wrong
    print(f"all: misses {totals[0]}/{totals[1]}, false alarms {totals[2]}/{totals[3]}")
    if args.failures:
        args.failures.write_text(json.dumps(failures, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
