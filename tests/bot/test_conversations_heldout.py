"""Multi-turn held-out conversations over the REST webhook against the real bot.

tests/data/conversations_heldout.yml was written by someone who never saw the
training data: dates and questions together, two questions at once,
follow-ups, planning around an event, what-ifs that must not be stored,
suitability questions and awkward dates. Dates are filled in relative to
today, so the set never goes stale.
"""
import datetime as dt
import json

import pytest

from clinicbot.content import load_content
from clinicbot.conversation_eval import load_conversations, run_conversations
from clinicbot.paths import RESULTS_DIR

pytestmark = pytest.mark.servers

REPORT = RESULTS_DIR / "conversations_heldout.json"
# Today 155/186 (0.83).
PASS_FLOOR = 0.80
CONTENT = load_content()


def test_heldout_conversations(bot):
    conversations = load_conversations()
    assert len(conversations) >= 150
    today = dt.datetime.now(CONTENT.tz).date()
    score = run_conversations(conversations, bot.send,
                              lambda sender: bot.tracker(sender)["slots"].get("treatment_date"),
                              CONTENT, today)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(score.to_dict(), indent=2))
    print(f"conversations passed {score.passed}/{score.total} ({score.rate:.2f}), "
          f"turns {score.turns_passed}/{score.turns}; by class {score.by_class}")
    assert score.rate >= PASS_FLOOR, f"{score.passed}/{score.total}; see {REPORT}"
