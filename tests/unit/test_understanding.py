"""Compound messages, planning and the conversation-set tools, without Rasa."""

import datetime as dt

import pytest

from clinicbot.content import load_content
from clinicbot.conversation_eval import ReplyReader, judge_turn, render
from clinicbot.suitability import named_conditions
from clinicbot.dates import (
    DateFound,
    NoDate,
    VagueDate,
    find_date_mentions,
    own_treatment_date,
    read_treatment_date,
    what_if_treated_on,
)
from clinicbot.planning import (
    asks_about_an_event_ahead,
    answers_event_question,
    asks_what_if,
    date_role,
    is_about_an_event,
    names_an_event,
    only_a_past_treatment,
    plan_around_event,
    plan_reasons,
    what_if_answer,
)
from clinicbot.segments import (
    conjunct_splits,
    in_frame,
    is_question,
    pronoun_readings,
    question_after_break,
    question_segments,
    switched_topic,
    without_condition,
)

CONTENT = load_content()
MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    "text, parts",
    [
        ("how much is it and how long is the downtime?", ["how much is it", "how long is the downtime?"]),
        ("can I wear makeup and when can I go running", ["can I wear makeup", "when can I go running"]),
        ("had the laser yesterday. how red will I be", ["had the laser yesterday.", "how red will I be"]),
        ("red and sore", ["red and sore"]),
        ("", []),
    ],
)
def test_question_segments(text, parts):
    assert question_segments(text) == parts


def test_latest_treatment_day_for_an_event_comes_from_the_milestones():
    event = MONDAY + dt.timedelta(days=20)
    plan = plan_around_event(
        CONTENT, f"wedding on {event.day} {event:%B}, when should I have it?", MONDAY, None
    )
    ready = max(CONTENT.milestones[k].day for k in CONTENT.planning.ready_milestones)
    assert plan.latest_treatment == event - dt.timedelta(days=ready)
    assert plan.treatment is None


def test_what_applies_on_the_event_day_after_a_planned_treatment():
    plan = plan_around_event(
        CONTENT, "if I have it on Friday, can I wear makeup on Wednesday?", MONDAY, "makeup"
    )
    assert plan.treatment == dt.date(2026, 12, 4) and plan.event == dt.date(2026, 12, 9)
    makeup_day = CONTENT.milestones["makeup_allowed"].day
    assert plan.recovery_day == 5 and plan.allowed is (5 >= makeup_day)


def test_an_event_too_close_is_said_so_and_no_date_asks_for_one():
    soon = plan_around_event(CONTENT, "party on the 2nd of December", MONDAY, None)
    assert "less than" in soon.text
    assert plan_around_event(CONTENT, "when should I book it for my holiday", MONDAY, None).event is None


def test_placeholders_are_filled_relative_to_today():
    assert (
        render("had it {date:-7:d_month}, {date:-2:dmy_dot} or {date:-3:weekday}", MONDAY)
        == "had it 23 November, 28.11. or Friday"
    )


def test_turn_judge_reads_labels_days_and_storage():
    reader = ReplyReader(CONTENT)
    reply = [
        {
            "text": "Day 3: not yet.",
            "custom": {"type": "recovery", "topic": "makeup", "day": 3, "allowed": False},
        }
    ]
    expect = {"topics": ["recovery/makeup"], "day": 3, "allowed": False, "stored_days_ago": 3}
    stored = (MONDAY - dt.timedelta(days=3)).isoformat()
    assert judge_turn(expect, reply, reader, None, stored, MONDAY).ok
    wrong = judge_turn({**expect, "day": 4}, reply, reader, None, None, MONDAY)
    assert not wrong.ok and len(wrong.problems) == 2


def test_the_judge_reads_booking_and_handoff_replies():
    from clinicbot.handoff import handoff_when_closed
    from clinicbot.render_responses import responses
    from clinicbot.training_data import checked_sources, faq_answers

    reader = ReplyReader(CONTENT)
    rendered = responses(CONTENT, faq_answers(checked_sources()))
    booking = [{"text": rendered["utter_book_consultation"][0]["text"]}]
    assert judge_turn({"topics": ["book_consultation"]}, booking, reader, None, None, MONDAY).ok
    sunday = dt.datetime(2026, 11, 29, 12, tzinfo=CONTENT.tz)
    closed = [{"text": handoff_when_closed(CONTENT, sunday).texts[0]}]
    waiting = [{"text": "One moment", "custom": {"type": "handoff", "status": "waiting"}}]
    for reply in (closed, waiting):
        assert judge_turn({"topics": ["human_handoff"]}, reply, reader, None, None, MONDAY).ok
    assert not judge_turn({"topics": ["human_handoff"]}, booking, reader, None, None, MONDAY).ok


def test_the_judge_hears_the_bot_ask_for_the_date_either_way():
    reader = ReplyReader(CONTENT)
    for template in (CONTENT.responses["ask_which_day"], CONTENT.recovery.offer_personalise):
        reply = [{"text": "Recovery in short."}, {"text": CONTENT.render(template)}]
        assert judge_turn({"ask_date": True}, reply, reader, None, None, MONDAY).ok
    general = [{"text": "Recovery in short."}]
    assert not judge_turn({"ask_date": True}, general, reader, None, None, MONDAY).ok


def test_a_what_if_read_as_planning_answers_the_topic_it_names():
    label, plan = what_if_answer(
        CONTENT, "if i have it on friday when can i go back to the gym", MONDAY, [], "exercise"
    )
    assert label is None and plan is not None
    assert plan.topic == "exercise" and plan.treatment == dt.date(2026, 12, 4) and plan.allowed is False


def test_a_plan_that_answers_a_topic_for_its_day_answers_both():
    reader = ReplyReader(CONTENT)
    plan = plan_around_event(
        CONTENT, "if I have it on Friday, can I wear makeup on Wednesday?", MONDAY, "makeup"
    )
    reply = [{"text": plan.text, "custom": plan.payload()}]
    for wanted in (["plan_event"], ["recovery/makeup"]):
        assert judge_turn({"topics": wanted, "day": 5}, reply, reader, None, None, MONDAY).ok
    assert not judge_turn({"topics": ["recovery/exercise"]}, reply, reader, None, None, MONDAY).ok
    latest = plan_around_event(CONTENT, "wedding on 20 December, when should I have it?", MONDAY, None)
    only_plan = [{"text": latest.text, "custom": latest.payload()}]
    assert not judge_turn({"topics": ["recovery/makeup"]}, only_plan, reader, None, None, MONDAY).ok


def test_a_plan_for_a_proposed_day_answers_with_it_or_with_the_latest_day():
    reader = ReplyReader(CONTENT)
    plan = plan_around_event(
        CONTENT, "if I have it on 4 December will I be ok for the christening on 9 December", MONDAY, None
    )
    reply = [{"text": plan.text, "custom": plan.payload()}]
    proposed, latest, event = (
        dt.date.fromisoformat(plan.payload()[key])
        for key in ("treatment_date", "latest_treatment_date", "event_date")
    )
    assert proposed != latest
    for day in (proposed, latest):
        expect = {
            "topics": ["plan_event"],
            "treatment_days_ahead": (day - MONDAY).days,
            "event_days_ahead": (event - MONDAY).days,
        }
        assert judge_turn(expect, reply, reader, None, None, MONDAY).ok
    wrong = {"topics": ["plan_event"], "treatment_days_ahead": (latest - MONDAY).days - 1}
    assert not judge_turn(wrong, reply, reader, None, None, MONDAY).ok


@pytest.mark.parametrize(
    "segment, asks",
    [
        ("how long is the downtime?", True),
        ("can I wear makeup", True),
        ("I usually run 5k every morning.", False),
        ("had the laser yesterday.", False),
        ("and when can I swim", True),
    ],
)
def test_only_questions_count_as_questions(segment, asks):
    assert is_question(segment) is asks


def test_a_booked_treatment_date_answers_for_that_treatment():
    treatment = MONDAY + dt.timedelta(days=14)
    plan = plan_around_event(
        CONTENT,
        f"I'm booked in for {treatment.day} {treatment:%B}, when can I go back to the gym?",
        MONDAY,
        "exercise",
    )
    assert plan.treatment == treatment and plan.event is None and plan.allowed is False


def test_an_event_date_without_a_year_is_the_next_one():
    plan = plan_around_event(
        CONTENT, "wedding on 14 December, can I wear makeup?", dt.date(2026, 12, 20), "makeup"
    )
    assert plan.event == dt.date(2027, 12, 14)


@pytest.mark.parametrize(
    "segment, splits",
    [
        ("can I exercise and wear makeup yet?", [("can I exercise", "wear makeup yet?")]),
        ("price & downtime", [("price", "downtime")]),
        # the part before "and" must ask, or be a bare topic
        ("my face is red and swollen, is that ok?", []),
        ("cost", []),
    ],
)
def test_a_question_can_be_read_as_two_parts_joined_by_and(segment, splits):
    assert conjunct_splits(segment) == splits


@pytest.mark.parametrize(
    "before, after, framed",
    [
        ("what's the cost", "the recovery time?", "what's the recovery time?"),
        ("can it help with large pores", "oily skin", "can it help with oily skin"),
        ("price", "downtime please", "downtime please"),
    ],
)
def test_the_second_part_is_read_in_the_first_parts_question(before, after, framed):
    assert in_frame(before, after) == framed


@pytest.mark.parametrize(
    "segment",
    [
        "I'd like to know the price",
        "Hi, two questions - how many sessions will I need",
        "tell me about the downtime",
        "wondering how long it lasts",
        "My question is when can I wear makeup again because I have to go back to work",
    ],
)
def test_requests_and_questions_after_a_preamble_ask(segment):
    assert is_question(segment)


def _mention(text, words):
    return next(m for m in find_date_mentions(text, MONDAY) if m.text.endswith(words))


@pytest.mark.parametrize(
    "text, words, role",
    [
        ("if I have it on Friday, can I wear makeup on Wednesday?", "Friday", "treatment"),
        ("if I have it on Friday, can I wear makeup on Wednesday?", "Wednesday", None),
        (
            "Have a wedding on 8 December, if I have it done 1 December can I wear makeup",
            "8 December",
            "event",
        ),
        (
            "Have a wedding on 8 December, if I have it done 1 December can I wear makeup",
            "1 December",
            "treatment",
        ),
        ("the 20th is my sister's wedding", "the 20th", "event"),
        # The booking right after an event word is the occasion's.
        ("Family photos booked 29 Dec. Latest safe date for CO2 laser?", "29 Dec.", "event"),
        ("the wedding is booked for the 12th, when should I have the laser", "the 12th", "event"),
        ("my laser is booked for 3 Dec and the party is on the 20th", "3 Dec", "treatment"),
    ],
)
def test_a_date_is_the_treatment_or_the_event_by_the_words_of_its_clause(text, words, role):
    assert date_role(text, _mention(text, words), CONTENT.planning.event_words) == role


def test_an_event_named_first_is_still_the_event():
    plan = plan_around_event(
        CONTENT,
        "Have a wedding on 8 December, if I have it done 1 December can i wear makeup there",
        MONDAY,
        "makeup",
    )
    assert plan.treatment == dt.date(2026, 12, 1) and plan.event == dt.date(2026, 12, 8)
    assert plan.recovery_day == 7 and plan.allowed is True


def test_a_weekday_event_is_the_coming_one_and_the_plan_suggests_a_treatment_day():
    plan = plan_around_event(
        CONTENT, "we have family photos on Thursday, could I squeeze the laser in before", MONDAY, None
    )
    assert plan.event == dt.date(2026, 12, 3)
    event = MONDAY + dt.timedelta(days=20)
    plan = plan_around_event(
        CONTENT, f"wedding on {event.day} {event:%B}, when should I have it?", MONDAY, None
    )
    ready = max(CONTENT.milestones[k].day for k in CONTENT.planning.ready_milestones)
    assert plan.payload()["treatment_date"] == (event - dt.timedelta(days=ready)).isoformat()


@pytest.mark.parametrize(
    "text, what_if",
    [
        ("suppose I have it on 2 December, when can I exercise again?", True),
        ("if I get it done this week can I wear makeup at my wedding?", True),
        ("I had it on Monday, if I go swimming on Saturday will it sting?", False),
        ("if I go swimming on Saturday will it sting?", False),
        ("can I wear makeup tomorrow?", False),
        # a booked day and another day ahead ask the same
        ("booked in for tuesday - will i be ok to put foundation on for a do on sunday night", True),
        ("my appointment is on Wednesday, will i be able to wear makeup by Monday?", True),
        ("my appointment is on wednesday, what time should I arrive?", False),
    ],
)
def test_a_what_if_is_about_the_treatment_day_itself(text, what_if):
    assert asks_what_if(CONTENT, text, MONDAY) is what_if


def test_a_what_if_without_an_occasion_answers_its_topic_and_what_applies_from_that_day():
    text = "suppose I have it on 2 December, when can I exercise again?"
    label, plan = what_if_answer(CONTENT, text, MONDAY, ["recovery/exercise"], "exercise")
    assert label == "recovery/exercise"
    assert plan is not None and plan.treatment == dt.date(2026, 12, 2) and plan.event is None
    label, plan = what_if_answer(
        CONTENT,
        "if i book it for next friday would i need time off work?",
        MONDAY,
        ["faq/downtime"],
        "exercise",
    )
    assert (label, plan) == ("faq/downtime", None)


def test_a_what_if_with_an_occasion_is_a_plan():
    text = "if I have it on Friday, can I wear makeup at the party on Wednesday?"
    label, plan = what_if_answer(CONTENT, text, MONDAY, ["recovery/makeup"], "makeup")
    assert label is None and plan is not None
    assert plan.treatment == dt.date(2026, 12, 4) and plan.event == dt.date(2026, 12, 9)


@pytest.mark.parametrize(
    "text, label",
    [
        ("will I be able to wear makeup at my wedding if I have it done this week?", "recovery/makeup"),
        (
            "if I have the laser before my daughter's wedding will I still be red in the photos?",
            "recovery/redness",
        ),
        (
            "if I went for it before the party could I still do spin classes the week after?",
            "recovery/exercise",
        ),
    ],
)
def test_a_what_if_about_an_occasion_with_no_day_answers_its_topic_then_asks_the_day(text, label):
    answered, plan = what_if_answer(CONTENT, text, MONDAY, [label], label.split("/")[1])
    assert answered == label
    assert plan is not None and plan.event is None


@pytest.mark.parametrize(
    "text",
    [
        "if i had it on Thursday, when could i go back to the gym?",
        "say i get it done 7 December, how long would i be red for",
        "thinking of having it 10 December, would i be able to wear makeup?",
        "what if i did it 2 December, could i still go to spin class?",
    ],
)
def test_a_what_if_date_is_never_the_treatment_date(text):
    assert all(m.tense == "hypothetical" for m in find_date_mentions(text, MONDAY))
    assert isinstance(read_treatment_date(text, MONDAY), NoDate)


@pytest.mark.parametrize(
    "text, days_ago",
    [
        ("just got home from my co2 appointment, can i put moisturiser on?", 0),
        ("had it 3 days post laser", 3),
        ("i'm 6 months post partum and still nursing", None),
    ],
)
def test_dates_said_without_a_date(text, days_ago):
    reading = read_treatment_date(text, MONDAY)
    if days_ago is None:
        assert isinstance(reading, NoDate)
    else:
        assert reading == DateFound(MONDAY - dt.timedelta(days=days_ago), reading.matched_text)


def test_a_treatment_said_as_days_before_the_event_is_planned_from_the_event():
    plan = plan_around_event(
        CONTENT,
        "what if i get it done the day before my birthday on 9 December, could i wear makeup?",
        MONDAY,
        "makeup",
    )
    assert plan.treatment == dt.date(2026, 12, 8) and plan.event == dt.date(2026, 12, 9)
    assert plan.recovery_day == 1 and plan.allowed is False


def test_one_word_questions_count():
    assert question_segments("price? and downtime?") == ["price?", "and downtime?"]


@pytest.mark.parametrize(
    "masked, question",
    [
        ("if i have it on DATE , when could i go back to the gym?", "when could i go back to the gym?"),
        (
            "would I be able to swim straight after if I have it DATE ?",
            "would I be able to swim straight after ?",
        ),
        ("say i get it done DATE , how long would i be red for", "how long would i be red for"),
        ("when can I wear makeup?", "when can I wear makeup?"),
        ("if I do it DATE how long will I be peeling for?", "how long will I be peeling for?"),
    ],
)
def test_a_what_if_question_without_its_condition(masked, question):
    assert without_condition(masked) == question


def test_an_event_on_a_day_of_the_month_is_the_coming_one():
    plan = plan_around_event(
        CONTENT,
        "we've got a family reunion on the 14th, how close to it can I have the treatment?",
        MONDAY,
        None,
    )
    assert plan.event == dt.date(2026, 12, 14)


def test_an_event_after_the_patients_own_treatment_is_a_day_of_their_recovery():
    treated = MONDAY - dt.timedelta(days=3)
    plan = plan_around_event(
        CONTENT, "I've got a party on 4 December, will I be able to wear makeup?", MONDAY, "makeup", treated
    )
    assert plan.treatment == treated and plan.recovery_day == 7 and plan.allowed is True
    # planning a further treatment is a plan
    plan = plan_around_event(
        CONTENT,
        "I've got a party on 24 December, when should I book the next session?",
        MONDAY,
        "makeup",
        treated,
    )
    assert plan.treatment is None and plan.latest_treatment == dt.date(2026, 12, 17)


def test_going_ahead_is_a_treatment_what_if():
    assert asks_what_if(CONTENT, "If I went ahead tomorrow, could I wear makeup to work on Tuesday?", MONDAY)


def test_they_in_a_later_question_is_read_as_what_the_first_one_named():
    assert pronoun_readings("when will I see results", "how long do they last?") == [
        "how long do results last?"
    ]
    assert pronoun_readings("how much is it", "does it hurt?") == []


def test_a_single_date_is_the_treatment_only_when_its_own_words_say_so():
    text = "I'm walking my daughter down the aisle on December 28, how far in advance should I get the laser?"
    plan = plan_around_event(CONTENT, text, MONDAY, "makeup")
    assert plan.event == dt.date(2026, 12, 28) and plan.payload()["treatment_date"] == "2026-12-21"


def test_why_a_plan_leaves_the_time_it_does_names_the_ready_milestones():
    reasons = plan_reasons(CONTENT)
    for key in CONTENT.planning.ready_milestones:
        assert f"day {CONTENT.milestones[key].day}" in reasons


@pytest.mark.parametrize(
    "text, ahead",
    [
        ("can I wear makeup at my wedding on 20 December?", True),
        ("I had it on Friday, can I wear makeup at the party on Saturday?", True),
        ("can I wear makeup at my wedding?", False),
        ("can I go to the gym on Saturday?", False),
        ("I had it on Friday, can I wear makeup yet?", False),
    ],
)
def test_an_occasion_ahead_is_a_plan(text, ahead):
    assert asks_about_an_event_ahead(CONTENT, text, MONDAY) is ahead


@pytest.mark.parametrize(
    "text, treated, day",
    [
        ("I had it on Friday, can I wear makeup at the party on Saturday?", dt.date(2026, 11, 27), 8),
        (
            "had co2 28 November. will i be able to wear makeup for a party on Saturday?",
            dt.date(2026, 11, 28),
            7,
        ),
    ],
)
def test_an_occasion_ahead_after_the_patients_own_treatment_is_that_days_recovery(text, treated, day):
    plan = plan_around_event(CONTENT, text, MONDAY, "makeup")
    assert plan.treatment == treated and plan.told_treatment == treated and plan.recovery_day == day


@pytest.mark.parametrize(
    "text, told",
    [
        ("had co2 on 27 Nov and since last night I've got a temperature", dt.date(2026, 11, 27)),
        ("my wife had it 3 days ago, can she swim?", dt.date(2026, 11, 27)),
        ("my friend had it 5 days ago, can she go to the gym yet?", None),
        ("if someone had co2 on 24/11, could they go swimming today?", None),
        ("me and my friend both had it 5 days ago", dt.date(2026, 11, 25)),
        ("my wedding is on 14 December", None),
        ("got a funeral to go to on 11 December, sadly. could I have the laser before it?", None),
        ("ive got my brother's wedding on 9 January, whens the latest i can have the laser?", None),
        ("if I'm treated on 3/12 will I still be red at my party on 10/12", None),
        ("5 days ago I had my laser treatment. how long until the redness goes?", dt.date(2026, 11, 25)),
    ],
)
def test_the_writers_own_treatment_date_is_told_someone_elses_is_not(text, told):
    found = own_treatment_date(text, MONDAY)
    assert (found.date if found else None) == told


@pytest.mark.parametrize(
    "text, imagined",
    [
        ("say id had the laser a week ago, would i still be red?", dt.date(2026, 11, 23)),
        ("what if I'd had it on 20 November instead, could i go to the gym?", dt.date(2026, 11, 20)),
        ("I had it a week ago, am I still meant to be red?", None),
    ],
)
def test_a_past_day_asked_about_as_if_treated_on_it_is_never_the_treatment_date(text, imagined):
    assert what_if_treated_on(text, MONDAY) == imagined
    if imagined is not None:
        assert isinstance(read_treatment_date(text, MONDAY), NoDate)


def test_a_date_someone_else_was_treated_on_is_not_an_event_ahead():
    text = "just wondering, if someone had co2 on 24/11, could they go swimming today?"
    assert not is_about_an_event(CONTENT, text, MONDAY)
    assert only_a_past_treatment(CONTENT, text, MONDAY)
    assert not only_a_past_treatment(
        CONTENT, "had it on 24/11, can I wear makeup at my party on 5/12?", MONDAY
    )


@pytest.mark.parametrize(
    "text, days_ago",
    [
        ("this time last week", 7),
        ("had it a week today", 7),
        ("it was a week yesterday", 8),
        ("day 6 today", 6),
    ],
)
def test_days_counted_from_a_named_day(text, days_ago):
    assert read_treatment_date(text, MONDAY, explicit=True).date == MONDAY - dt.timedelta(days=days_ago)


def test_the_weekend_asks_which_day():
    assert isinstance(read_treatment_date("I had it done at the weekend", MONDAY), VagueDate)


@pytest.mark.parametrize(
    "text, topic",
    [
        ("ok and what about exercise?", "exercise?"),
        ("how about the sun", "the sun"),
        ("what about after that?", ""),
        ("what about it?", ""),
        ("why?", ""),
    ],
)
def test_what_about_names_a_topic_unless_it_points_back(text, topic):
    assert switched_topic(text) == topic


def test_a_what_if_day_without_a_question_gets_the_milestones_from_that_day():
    label, plan = what_if_answer(CONTENT, "I'm thinking of having it on Friday", MONDAY, [], "makeup")
    friday = dt.date(2026, 12, 4)
    makeup = friday + dt.timedelta(days=CONTENT.milestones["makeup_allowed"].day)
    assert label is None and plan is not None and plan.treatment == friday and plan.event is None
    assert f"{makeup:%A} {makeup.day} {makeup:%B}" in plan.text


@pytest.mark.parametrize(
    "text, days_ago",
    [
        ("Im 6 days post co2 can I wear mascara", 6),
        ("4 days post-op, is it ok to wash my face", 4),
        ("two weeks postop now, can I swim", 14),
        ("3 days post laser and still red, normal?", 3),
    ],
)
def test_days_post_the_treatment_are_days_ago(text, days_ago):
    reading = read_treatment_date(text, MONDAY)
    assert reading == DateFound(MONDAY - dt.timedelta(days=days_ago), reading.matched_text)


def test_a_full_month_name_does_not_take_the_full_stop_that_ends_the_sentence():
    mention = find_date_mentions("I had co2 22 November. can I go swimming", MONDAY)[0]
    assert mention.text == "22 November"
    assert find_date_mentions("had it on 22 Nov. yesterday?", MONDAY)[0].text.startswith("22 Nov")


@pytest.mark.parametrize(
    "text",
    [
        "lets say i get co2 on Friday, could i wear makeup by Tuesday",
        "let's say we do the laser on Thursday, can I swim on Sunday?",
        "im thinking of booking Thursday. if i do, can i go running on 9 December?",
        "I'm planning to book Friday, would I be red at the weekend?",
        "hypothetically, Wednesday, if I went ahead, when could I exercise",
        "supposing my appointment is 2026-12-09, when can i use my normal moisturiser again after",
        "hypothetical q: treatment on the 12th, my birthday dinner on the 16th - will the redness be gone?",
        "If I make the laser on 4/12, is possible to do sport on 12/12?",
        "my friend wants to book for 5 December, could she go to the gym on 10 December?",
    ],
)
def test_more_what_if_phrasings_make_every_date_hypothetical(text):
    mentions = [m for m in find_date_mentions(text, MONDAY) if m.status == "found"]
    assert mentions and all(m.tense == "hypothetical" for m in mentions)
    assert isinstance(read_treatment_date(text, MONDAY), NoDate)


@pytest.mark.parametrize(
    "text, days_later",
    [
        ("if I have it on Friday, could I wear makeup a week later?", 7),
        ("say I get it done on the 4th, can I go to the gym 3 days after?", 3),
    ],
)
def test_a_day_counted_from_a_what_if_treatment_is_the_day_asked_about(text, days_later):
    topic = "makeup" if "makeup" in text else "exercise"
    plan = plan_around_event(CONTENT, text, MONDAY, topic)
    assert plan.treatment is not None and plan.event == plan.treatment + dt.timedelta(days=days_later)
    assert plan.recovery_day == days_later and plan.topic == topic


@pytest.mark.parametrize(
    "text, event, treatment",
    [
        ("latest booking date for a 30 Dec school reunion?", dt.date(2026, 12, 30), None),
        ("latest treatment date for a 20 December wedding", dt.date(2026, 12, 20), None),
        ("booked for 30 Dec wedding prep?", None, dt.date(2026, 12, 30)),
    ],
)
def test_an_occasion_named_right_after_a_date_makes_it_the_event(text, event, treatment):
    plan = plan_around_event(CONTENT, text, MONDAY, None)
    assert plan.event == event and plan.treatment == treatment


def test_an_if_clause_after_a_date_is_not_that_dates_own_words():
    text = "would i be able to wear make up on the 10th of December if i get lasered on the 3rd of December"
    assert date_role(text, _mention(text, "10th of December"), CONTENT.planning.event_words) is None
    assert date_role(text, _mention(text, "3rd of December"), CONTENT.planning.event_words) == "treatment"
    plan = plan_around_event(CONTENT, text, MONDAY, "makeup")
    assert plan.treatment == dt.date(2026, 12, 3) and plan.event == dt.date(2026, 12, 10)


def test_booking_a_weekday_then_asking_about_a_later_day_is_a_plan():
    text = "im thinking of booking Thursday. if i do, can i go running on 9 December?"
    assert asks_what_if(CONTENT, text, MONDAY)
    label, plan = what_if_answer(CONTENT, text, MONDAY, ["recovery/exercise"], "exercise")
    assert plan is not None and plan.treatment == dt.date(2026, 12, 3) and plan.event == dt.date(2026, 12, 9)
    assert plan.recovery_day == 6 and plan.allowed is False


@pytest.mark.parametrize(
    "masked, question",
    [
        ("hypothetically if i had it DATE when could i use retinol", "when could i use retinol"),
        ("hypothetically speaking, say i get it done DATE, can i swim", "can i swim"),
    ],
)
def test_hypothetically_goes_with_the_condition(masked, question):
    assert without_condition(masked) == question


@pytest.mark.parametrize(
    "text, answers",
    [
        ("5 February", True),
        ("it's on the 20th", True),
        ("Saturday", True),
        ("I had it 3 days ago", False),
        ("yesterday", False),
        ("no, I had the laser on 5 February", False),
        ("thanks", False),
    ],
)
def test_a_date_given_after_the_bot_asked_for_the_event_date_answers_it(text, answers):
    assert answers_event_question(CONTENT, text, MONDAY) is answers


def test_the_event_date_given_alone_gets_the_plan():
    plan = plan_around_event(CONTENT, "it's on the 20th", MONDAY, None)
    ready = max(CONTENT.milestones[k].day for k in CONTENT.planning.ready_milestones)
    assert plan.event == dt.date(2026, 12, 20)
    assert plan.payload()["treatment_date"] == (dt.date(2026, 12, 20) - dt.timedelta(days=ready)).isoformat()


@pytest.mark.parametrize(
    "text, topic",
    [
        ("and running?", "running?"),
        ("ok and sunbathing?", "sunbathing?"),
        ("and how long?", ""),
        ("and after that?", ""),
        ("and why", ""),
        ("and then?", ""),
    ],
)
def test_and_with_a_topic_names_a_topic_of_its_own(text, topic):
    assert switched_topic(text) == topic


@pytest.mark.parametrize(
    "segment",
    ["I had co2 DATE can I go swimming", "had it done DATE when can I wear makeup"],
)
def test_a_question_after_a_date_asks(segment):
    assert is_question(segment)


def test_and_also_without_a_question_word_stays_in_the_question():
    text = "is it ok to put makeup on now and also go back to the gym"
    assert question_segments(text) == [text]
    assert conjunct_splits(text) == [("is it ok to put makeup on now", "go back to the gym")]
    assert question_segments("can I swim and also when can I wear makeup") == [
        "can I swim",
        "when can I wear makeup",
    ]


@pytest.mark.parametrize(
    "segment, question",
    [
        ("my treatment was on DATE , are the scabs meant to be gone", "are the scabs meant to be gone"),
        ("had it DATE - can i swim", "can i swim"),
        ("had it DATE can i swim", "can i swim"),
        ("can i swim", ""),
        ("had it DATE", ""),
    ],
)
def test_the_question_after_a_break(segment, question):
    assert question_after_break(segment) == question


# --- An event with a misspelt name, and its date without a year -----------


@pytest.mark.parametrize(
    "text, event, latest",
    [
        ("my weding is 2 January when shud i book the lazer by", "2027-01-02", "2026-12-26"),
        ("our aniversary is the 3rd of February when shud i book the lazer by", "2027-02-03", "2027-01-27"),
        ("my chrismas do is 20 December when should I book it by", "2026-12-20", "2026-12-13"),
        ("the graduaton is 10/1 when do i need to book the lazer", "2027-01-10", "2027-01-03"),
        ("sister's weddin is on 5 March how late can i book the laser", "2027-03-05", "2027-02-26"),
    ],
)
def test_a_misspelt_event_on_a_date_without_a_year_is_the_next_one(text, event, latest):
    plan = plan_around_event(CONTENT, text, MONDAY, None)
    assert plan.payload()["event_date"] == event
    assert plan.payload()["latest_treatment_date"] == latest
    assert plan.treatment is None


@pytest.mark.parametrize("word", ["light", "concern", "fight", "diner", "part"])
def test_everyday_words_near_an_event_word_are_no_event(word):
    text = f"the {word} on 8 December, when should I book the laser"
    mention = _mention(text, "8 December")
    assert date_role(text, mention, CONTENT.planning.event_words) != "event"


@pytest.mark.parametrize(
    "text",
    [
        "my weding is 2 January when shud i book the lazer by",
        "my brother's wedding is 9 January, when shud I get the laser",
    ],
)
def test_should_i_book_misspelt_makes_an_event_date_the_coming_one(text):
    mention = find_date_mentions(text, MONDAY)[0]
    assert mention.date is not None and mention.date > MONDAY


# --- "if it's done <day>": a what-if ---------------------------------------


@pytest.mark.parametrize(
    "text, treatment, event",
    [
        ("if its done Tuesday, can i do hot yoga Saturday", "2026-12-01", "2026-12-05"),
        ("if it's done Wednesday could i go swimming on Sunday", "2026-12-02", "2026-12-06"),
        ("if it\u2019s done on Thursday, can I go for a run Monday?", "2026-12-03", "2026-12-07"),
        ("if i got it done friday can i go to the gym on tuesday", "2026-12-04", "2026-12-08"),
        ("if I do it Tuesday am I ok to go spinning Saturday", "2026-12-01", "2026-12-05"),
        ("if it is done on 2/12 can i go running on 6/12", "2026-12-02", "2026-12-06"),
        ("if it gets done Wednesday can i play football on Sunday", "2026-12-02", "2026-12-06"),
    ],
)
def test_if_its_done_on_a_day_is_a_what_if_and_a_second_day_makes_a_plan(text, treatment, event):
    assert all(m.tense == "hypothetical" for m in find_date_mentions(text, MONDAY))
    assert isinstance(read_treatment_date(text, MONDAY), NoDate)
    assert isinstance(read_treatment_date(text, MONDAY, explicit=True), NoDate)
    assert asks_what_if(CONTENT, text, MONDAY)
    label, plan = what_if_answer(CONTENT, text, MONDAY, ["recovery/exercise"], "exercise")
    assert label is None and plan is not None
    assert plan.payload()["treatment_date"] == treatment and plan.payload()["event_date"] == event
    assert plan.recovery_day == 4 and plan.allowed is False


# --- "if my treatment was <future date>": a what-if -------------------------


@pytest.mark.parametrize(
    "text, treatment, event",
    [
        (
            "if my treatment was 2026-12-08, could I wear mascara and concealer on 2026-12-12?",
            "2026-12-08",
            "2026-12-12",
        ),
        ("if my appointment were 3 Dec 2026 could i wear makeup on 9 Dec 2026", "2026-12-03", "2026-12-09"),
        ("If my session was on 10.12.2026, can I wear foundation on 14.12.2026?", "2026-12-10", "2026-12-14"),
        (
            "if the laser was next Friday could i put makeup on the wednesday after",
            "2026-12-04",
            "2026-12-09",
        ),
        ("if I was treated on 2026-12-05, could I wear makeup on 2026-12-11?", "2026-12-05", "2026-12-11"),
        ("if I'd had it on 2026-12-03, could I wear makeup on 2026-12-09?", "2026-12-03", "2026-12-09"),
        ("and if I had my laser on 7 Dec 2026, makeup ok on 12 Dec 2026?", "2026-12-07", "2026-12-12"),
    ],
)
def test_if_my_treatment_was_a_day_ahead_is_a_what_if(text, treatment, event):
    assert isinstance(read_treatment_date(text, MONDAY), NoDate)
    assert isinstance(read_treatment_date(text, MONDAY, explicit=True), NoDate)
    assert asks_what_if(CONTENT, text, MONDAY)
    label, plan = what_if_answer(CONTENT, text, MONDAY, ["recovery/makeup"], "makeup")
    assert label is None and plan is not None
    assert plan.payload()["treatment_date"] == treatment and plan.payload()["event_date"] == event


@pytest.mark.parametrize(
    "text, stored",
    [
        ("my treatment was 2026-11-20, can I wear makeup?", dt.date(2026, 11, 20)),
        ("if my treatment was 3 days ago can i wear makeup", dt.date(2026, 11, 27)),
        ("my treatment is booked for 2026-12-08", dt.date(2026, 12, 8)),
    ],
)
def test_a_treatment_said_without_if_is_still_read(text, stored):
    assert read_treatment_date(text, MONDAY, explicit=True) == DateFound(
        stored, read_treatment_date(text, MONDAY, explicit=True).matched_text
    )


@pytest.mark.parametrize(
    "text, stored",
    [
        ("if my treatment was on the 25th, when can I wear makeup?", dt.date(2026, 11, 25)),
        ("if my treatment was Tuesday am I on day 6", dt.date(2026, 11, 24)),
        ("if I was treated on 27 November can I swim yet", dt.date(2026, 11, 27)),
    ],
)
def test_if_my_treatment_was_a_day_that_can_be_past_is_the_treatment_had(text, stored):
    assert read_treatment_date(text, MONDAY, explicit=True).date == stored


def test_a_booked_day_and_the_day_asked_about_make_a_plan_for_that_day():
    plan = plan_around_event(
        CONTENT, "my appointment is on Wednesday, will i be able to wear makeup by Monday?", MONDAY, "makeup"
    ).payload()
    assert (plan["treatment_date"], plan["event_date"], plan["day"]) == ("2026-12-02", "2026-12-07", 5)


@pytest.mark.parametrize(
    "text, named",
    [
        ("I want to look my best for my 50th in April", True),
        ("it's my mum's 70th next month", True),
        ("the 30th", False),
        ("treated on the 30th of May", False),
    ],
)
def test_a_numbered_birthday_is_an_occasion_only_when_it_is_someones(text, named):
    assert names_an_event(text, CONTENT.planning.event_words) is named


@pytest.mark.parametrize(
    "text, event",
    [
        ("can i have the laser before christmas and still wear makeup for christmas dinner", "2026-12-25"),
        ("if i have it on the 3rd will i be healed by the 12th", "2026-12-12"),
    ],
)
def test_the_day_a_treatment_must_come_before_is_the_occasion(text, event):
    assert plan_around_event(CONTENT, text, MONDAY, "makeup").payload()["event_date"] == event


@pytest.mark.parametrize(
    "text, named",
    [
        ("I'm pregnant, how long is the downtime?", ["pregnant"]),
        ("im currently on roaccutane for my acne, what's the aftercare", ["roaccutane"]),
        ("I get cold sores, how many sessions would I need", ["I get cold sores"]),
        # a condition asked about in general is that question, not the patient's own
        ("does it work on dark skin?", []),
        ("is it safe in pregnancy", []),
        ("how long is the downtime?", []),
    ],
)
def test_the_patients_own_condition_is_named(text, named):
    assert named_conditions(text, CONTENT.suitability_conditions) == named


def test_a_proposed_day_before_an_occasion_also_gets_the_last_day_that_leaves_them_ready():
    text = "If I get it done on 4 December, will I be ok for my daughter's christening on 9 December?"
    plan = plan_around_event(CONTENT, text, MONDAY, "redness")
    assert (plan.treatment, plan.event, plan.recovery_day) == (dt.date(2026, 12, 4), dt.date(2026, 12, 9), 5)
    ready_day = max(CONTENT.milestones[key].day for key in CONTENT.planning.ready_milestones)
    assert plan.latest_treatment == dt.date(2026, 12, 9) - dt.timedelta(days=ready_day)
    assert "at the latest" in plan.text
    # a second day that names no occasion is only the day asked about
    plain = plan_around_event(
        CONTENT, "if I have it on Friday, can I wear makeup on Wednesday?", MONDAY, "makeup"
    )
    assert plain.latest_treatment is None and "at the latest" not in plain.text
