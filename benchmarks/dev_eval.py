"""Score the running product on a development set, printing every failure.

The held-out sets in tests/data/ are for measuring only: nobody tunes on their
texts. This tool is for the sets we tune on. It reads a file in the same format
as tests/data/urgency_heldout.yml or tests/data/conversations_heldout.yml,
starts the real bot (actions + Rasa, models/clinic-bot.tar.gz) and prints each
miss, false alarm or failed turn with what the bot did.

    python -m benchmarks.dev_eval --urgency my_urgency.yml
    python -m benchmarks.dev_eval --conversations my_conversations.yml
    python -m benchmarks.dev_eval --nlu my_questions.yml   # {examples: {label: [text, ...]}}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from clinicbot.content import load_content
from clinicbot.conversation_eval import load_conversations, run_conversations
from clinicbot.model_quality import accuracy, errors, outcomes_of
from clinicbot.urgency_metrics import (
    is_urgent_parse,
    load_urgency_cases,
    score_urgency,
)
from harness.servers import Bot


def _why(parsed: dict) -> str:
    urgency = parsed.get("urgency") or {}
    intent = (parsed.get("intent") or {}).get("name")
    return f"intent={intent} urgency={json.dumps(urgency, default=str)[:300]}"


def load_labelled_questions(path: Path) -> List[Tuple[str, str]]:
    """(text, label) from {examples: {label: [text, ...]}}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(text), str(label)) for label, texts in data["examples"].items() for text in texts]


def evaluate(
    bot: Bot, urgency: Optional[Path], conversations: Optional[Path], nlu: Optional[Path] = None
) -> None:
    if nlu:
        outcomes = outcomes_of(load_labelled_questions(nlu), bot.parse)
        for text, gold, guess in errors(outcomes):
            print(f"WRONG [{gold} -> {guess}] {text}")
        confusions = Counter((gold, guess) for _, gold, guess in errors(outcomes))
        print(
            f"intent accuracy {accuracy(outcomes):.3f} ({len(outcomes) - len(errors(outcomes))}/{len(outcomes)})"
        )
        print("confusions", dict(confusions.most_common()))
    if urgency:
        cases = load_urgency_cases(urgency)
        parsed = {case.text: bot.parse(case.text) for case in cases}
        score = score_urgency(cases, lambda text: is_urgent_parse(parsed[text]))
        for case in score.misses:
            print(f"MISS [{case.kind}] {case.text}\n    {_why(parsed[case.text])}")
        for case in score.false_alarms:
            print(f"FALSE ALARM [{case.kind}] {case.text}\n    {_why(parsed[case.text])}")
        print(score.summary())
        print("misses by class", score.to_dict()["misses_by_class"])
        print("false alarms by class", score.to_dict()["false_alarms_by_class"])
    if conversations:
        content = load_content()
        result = run_conversations(
            load_conversations(conversations),
            bot.send,
            lambda sender: bot.tracker(sender)["slots"].get("treatment_date"),
            content,
            dt.datetime.now(content.tz).date(),
            sender_prefix="dev",
        )
        for failure in result.failures:
            print(
                f"FAIL [{failure['class']}] {failure['id']}: {failure['user']}\n"
                f"    {'; '.join(failure['problems'])}"
            )
        print(f"conversations {result.passed}/{result.total} ({result.rate:.3f}); by class {result.by_class}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urgency", type=Path, help="a set in urgency_heldout.yml's format")
    parser.add_argument("--conversations", type=Path, help="a set in conversations_heldout.yml's format")
    parser.add_argument("--nlu", type=Path, help="single questions: {examples: {label: [text, ...]}}")
    args = parser.parse_args()
    if not (args.urgency or args.conversations or args.nlu):
        parser.error("give --urgency, --conversations, --nlu or several")
    with tempfile.TemporaryDirectory(prefix="dev-eval-") as work:
        bot = Bot(Path(work)).start()
        try:
            evaluate(bot, args.urgency, args.conversations, args.nlu)
        finally:
            bot.stop()


if __name__ == "__main__":
    main()
