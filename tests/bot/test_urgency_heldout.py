"""Urgent messages on the held-out set, through /model/parse as evaluators use it.

The set (tests/data/urgency_heldout.yml) was written by someone who never saw
the training data or the rules. Floors sit just under the measured figures,
so a change that loses recall or adds false alarms turns this red.
"""

import json

import pytest

from clinicbot.paths import RESULTS_DIR
from clinicbot.urgency_metrics import (
    URGENCY_STATEMENTS_HELDOUT,
    is_urgent_parse,
    load_urgency_cases,
    score_urgency,
)

pytestmark = pytest.mark.servers

REPORT = RESULTS_DIR / "urgency_heldout.json"
STATEMENTS_REPORT = RESULTS_DIR / "urgency_statements_heldout.json"
# Just under today's figures (593/596 caught, 11/326 false alarms, 3.4%). The
# classifier's settings trade false alarms for recall, a miss weighed as ten
# false alarms (README "The urgency detector"), so the ceiling keeps a margin
# above the 3% target: recall comes first.
RECALL_FLOOR = 0.99
FALSE_ALARM_CEILING = 0.04


def test_urgent_recall_and_false_alarms_on_the_heldout_set(bot):
    cases = load_urgency_cases()
    assert sum(c.urgent for c in cases) >= 400 and sum(not c.urgent for c in cases) >= 200
    score = score_urgency(cases, lambda text: is_urgent_parse(bot.parse(text)))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(score.to_dict(), indent=2))
    print(score.summary())
    assert score.recall >= RECALL_FLOOR, f"{score.summary()}; see {REPORT}"
    assert score.false_alarm_rate <= FALSE_ALARM_CEILING, f"{score.summary()}; see {REPORT}"


# tests/data/urgency_statements_heldout.yml: ordinary messages only (everyday
# life, plans, normal recovery told as a statement), by another author. Before
# the statements training data 56/354 raised the alarm; now 18/354.
STATEMENTS_FALSE_ALARM_CEILING = 0.06


def test_ordinary_statements_do_not_raise_the_alarm(bot):
    cases = load_urgency_cases(URGENCY_STATEMENTS_HELDOUT)
    assert len(cases) >= 300 and not any(c.urgent for c in cases)
    score = score_urgency(cases, lambda text: is_urgent_parse(bot.parse(text)))
    STATEMENTS_REPORT.write_text(json.dumps(score.to_dict(), indent=2))
    print(score.summary())
    assert score.false_alarm_rate <= STATEMENTS_FALSE_ALARM_CEILING, (
        f"{score.summary()}; see {STATEMENTS_REPORT}"
    )


def test_parse_output_says_what_fired_and_on_which_words(bot):
    parsed = bot.parse("what SPF should I buy? also my temperature is 38.7")
    assert parsed["intent"]["name"] == "red_flag"
    urgency = parsed["urgency"]
    assert urgency["urgent"] is True and "rules" in urgency["decided_by"]
    assert {"symptom": "fever", "words": "38.7", "status": "present"}.items() <= next(
        r for r in urgency["rules"] if r["words"] == "38.7"
    ).items()
    calm = bot.parse("no fever, pus or bleeding, just a bit red")
    assert calm["intent"]["name"] != "red_flag"
    assert {r["status"] for r in calm["urgency"]["rules"]} == {"negated"}
