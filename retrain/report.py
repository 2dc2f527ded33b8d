"""The retrain report: what changed, per-label F1, confused pairs, the gate's verdict."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence

from clinicbot.model_quality import (RED_FLAG, Outcome, accuracy, confused_pairs, errors,
                                     false_alarms, per_label_scores, recall_of)


def scores(results: Mapping[str, Sequence[Outcome]]) -> Dict[str, object]:
    everything = [o for outcomes in results.values() for o in outcomes]
    return {
        "accuracy": {name: round(accuracy(outcomes), 4) for name, outcomes in results.items()},
        "examples": {name: len(outcomes) for name, outcomes in results.items()},
        "red_flag_recall": recall_of(everything, RED_FLAG),
        "red_flag_false_alarms": len(false_alarms(everything)),
        "per_label": per_label_scores(everything),
        "confused_pairs": confused_pairs(everything),
        "errors": [list(o) for o in errors(everything)],
    }


def changes(live: Optional[Mapping], candidate: Mapping) -> Dict[str, object]:
    if live is None:
        return {"first_model": True, "labels": len(candidate["labels"])}
    old_faqs, new_faqs = live["faq_answers"], candidate["faq_answers"]
    old_counts, new_counts = live["example_counts"], candidate["example_counts"]
    return {
        "faqs_added": sorted(set(new_faqs) - set(old_faqs)),
        "faqs_removed": sorted(set(old_faqs) - set(new_faqs)),
        "answers_changed": sorted(k for k in set(old_faqs) & set(new_faqs)
                                  if old_faqs[k] != new_faqs[k]),
        "labels_added": sorted(set(candidate["labels"]) - set(live["labels"])),
        "labels_removed": sorted(set(live["labels"]) - set(candidate["labels"])),
        "examples": {label: {"before": old_counts.get(label, 0), "after": new_counts.get(label, 0)}
                     for label in sorted(set(old_counts) | set(new_counts))
                     if old_counts.get(label, 0) != new_counts.get(label, 0)},
        "annotations_merged": candidate.get("annotations_merged", 0),
    }


def _markdown(data: Mapping) -> str:
    lines = [f"# Retrain {data['run_id']}: {data.get('outcome')}", "", str(data.get("summary", "")),
             ""]
    if data.get("problems"):
        lines += ["## Problems in the sources", ""] + [f"- {p}" for p in data["problems"]] + [""]
    change = data.get("changes") or {}
    if change and not change.get("first_model"):
        lines += ["## What changed", ""]
        for key in ("faqs_added", "faqs_removed", "answers_changed", "labels_added",
                    "labels_removed"):
            if change.get(key):
                lines.append(f"- {key.replace('_', ' ')}: {', '.join(change[key])}")
        for label, counts in (change.get("examples") or {}).items():
            lines.append(f"- {label}: {counts['before']} → {counts['after']} examples")
        lines += [f"- staff annotations merged: {change.get('annotations_merged', 0)}", ""]
    if data.get("training"):
        training = data["training"]
        lines += [f"Training: {training['mode']} ({training['why']}), {training['seconds']} s.", ""]
    if data.get("gate"):
        lines += ["## Gate", ""] + [f"- {'PASS' if c['passed'] else 'FAIL'} {c['name']}: "
                                    f"{c['detail']}" for c in data["gate"]] + [""]
    candidate, live = data.get("candidate"), data.get("live") or {}
    if candidate:
        lines += ["## Accuracy", "", "| set | live | new |", "|---|---|---|"]
        for name, value in candidate["accuracy"].items():
            before = (live.get("accuracy") or {}).get(name)
            lines.append(f"| {name} | {'' if before is None else f'{before:.1%}'} | {value:.1%} |")
        lines += ["", "## Per-label F1 (new model)", "", "| label | F1 | live F1 | support |",
                  "|---|---|---|---|"]
        for label, row in candidate["per_label"].items():
            before = (live.get("per_label") or {}).get(label, {}).get("f1")
            lines.append(f"| {label} | {row['f1']:.2f} | "
                         f"{'' if before is None else f'{before:.2f}'} | {row['support']} |")
        lines += ["", "## Most confused (expected → predicted)", ""]
        lines += [f"- {gold} → {guess}: {count}" for gold, guess, count
                  in candidate["confused_pairs"]] or ["- none"]
    return "\n".join(lines) + "\n"


def write(directory: Path, run_id: str, data: Mapping) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{run_id}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    target = directory / f"{run_id}.md"
    target.write_text(_markdown(data), encoding="utf-8")
    return target

