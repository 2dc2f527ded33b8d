"""Every declared conversation filter keeps and drops its own test case (fast tier)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from console.conversation_filters import FILTERS, ConversationFilter
from tests.console.conftest import result_count, result_ids
from tests.console.seeded import CLINIC_TZ, SeededConsole


def senders(declared: ConversationFilter):
    case = declared.case
    return (case.kept.sender_id or f"kept-by-{declared.field}",
            case.dropped.sender_id or f"dropped-by-{declared.field}")


@pytest.fixture(scope="module")
def every_case(tmp_path_factory) -> SeededConsole:
    """One tracker store with every filter's two conversations, and their staff notes."""
    conversations = {}
    for declared in FILTERS:
        kept, dropped = senders(declared)
        conversations[kept], conversations[dropped] = declared.case.kept, declared.case.dropped
    console = SeededConsole(tmp_path_factory.mktemp("filters"), conversations)
    for declared in FILTERS:
        if declared.case.staff_notes:
            declared.case.staff_notes(console.staff, *senders(declared))
    return console


@pytest.mark.parametrize("declared", FILTERS, ids=lambda declared: declared.field)
def test_each_filter_keeps_and_drops_its_own_case(every_case, declared: ConversationFilter):
    kept, dropped = (every_case.ids[sender] for sender in senders(declared))
    client = every_case.client()
    everything = result_ids(client.get("/conversations?tests=show").get_data(as_text=True))
    assert {kept, dropped} <= set(everything)

    value = declared.case.value_for(dt.datetime.now(ZoneInfo(CLINIC_TZ)).date())
    response = client.get("/conversations", query_string={declared.field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error"' not in html, html[:2000]
    found = result_ids(html)
    assert kept in found and dropped not in found, (declared.field, value, found)
    assert result_count(html) == len(found)


def test_the_form_offers_every_declared_filter(every_case):
    html = every_case.client().get("/conversations").get_data(as_text=True)
    form = html.split('class="filters"', 1)[1].split("</form>", 1)[0]
    for declared in FILTERS:
        assert f'name="{declared.field}"' in form, declared.field


@pytest.mark.parametrize("field, value, message", [
    ("from", "2026-13-01", "is not a date for “from”"),
    ("max_conf", "1.5", "is not a confidence between 0 and 1"),
    ("reviewed", "maybe", "“reviewed” must be yes, no or empty."),
    ("followup", "later", "“follow-up” must be pending, done or empty."),
    ("red_flag", "yes", "“red_flag” must be on or off."),
    ("q", "x" * 201, "The search text is too long"),
])
def test_a_value_a_filter_cannot_use_is_explained(every_case, field, value, message):
    html = every_case.client().get(
        "/conversations", query_string={field: value}).get_data(as_text=True)
    assert message in html
