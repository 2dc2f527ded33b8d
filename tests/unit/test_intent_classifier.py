"""LinearIntentClassifier's message handling, with a stand-in model."""

import numpy as np
from rasa.shared.nlu.training_data.message import Message

from components.linear_intent_classifier import LinearIntentClassifier

LABELS = [
    "faq/side_effects",
    "faq/suitability",
    "follow_up",
    "greet",
    "recovery/exercise",
    "recovery/makeup",
    "recovery/redness",
    "recovery/timeline",
    "plan_event",
    "red_flag",
    "share_treatment_date",
]
# word in the text -> the label the stand-in model is sure of
KEYWORDS = {
    "redness": "recovery/redness",
    "makeup": "recovery/makeup",
    "running": "recovery/exercise",
    "hypothetically": "faq/side_effects",
    "swimming": "recovery/exercise",
    "and swimming": "red_flag",
    "treatment was": "share_treatment_date",
    "gym": "recovery/exercise",
    # listed after "gym": a message with both reads as the description
    "tight and itchy": "recovery/timeline",
    # listed last: "what about makeup?" as a whole reads as another topic
    "what about": "faq/side_effects",
    "when would you book": "plan_event",
    # listed after the plan: a message with both reads as suitability
    "isotretinoin": "faq/suitability",
    # listed last: a message that opens with it reads as a greeting
    "hello": "greet",
}


# word in the text -> a split reading {label: probability}
SPLITS = {
    "prom": {"faq/suitability": 0.6, "plan_event": 0.35, "follow_up": 0.05},
    "no fever": {"recovery/timeline": 0.5, "recovery/redness": 0.4, "follow_up": 0.1},
}


class StandIn:
    classes_ = np.array(LABELS)

    def predict_proba(self, texts):
        rows = []
        for text in texts:
            split = next((row for word, row in SPLITS.items() if word in text.lower()), None)
            if split:
                rows.append(np.array([split.get(label, 0.0) for label in LABELS]))
                continue
            found = [label for word, label in KEYWORDS.items() if word in text.lower()]
            # the last keyword named wins; a bare date is an event; nothing
            # named: a follow-up
            label = found[-1] if found else "plan_event" if text.strip() == "DATE" else "follow_up"
            row = np.full(len(LABELS), 0.1 / (len(LABELS) - 1))
            row[LABELS.index(label)] = 0.9
            rows.append(row)
        return np.array(rows)


def _parse(text, entities=()):
    classifier = LinearIntentClassifier({}, None, None, model=StandIn())
    message = Message(data={"text": text, "entities": list(entities)})
    classifier.process([message])
    return message


def _date(text, words, role):
    start = text.index(words)
    return {"entity": "date", "start": start, "end": start + len(words), "value": words, "role": role}


def test_the_question_a_what_if_asks_wins_over_its_condition():
    text = "hypothetically if i got it done tomorrow when could i put makeup on"
    message = _parse(text, [_date(text, "tomorrow", "hypothetical")])
    assert message.get("intent")["name"] == "recovery"
    assert (
        message.get("response_selector")["recovery"]["response"]["intent_response_key"] == "recovery/makeup"
    )


def test_and_with_a_topic_after_an_answer_is_that_topic():
    message = _parse("and running?")
    assert message.get("intent")["name"] == "recovery"
    assert message.get("response_selector")["recovery"]["response"]["intent_response_key"] == (
        "recovery/exercise"
    )
    assert _parse("and why?").get("intent")["name"] == "follow_up"
    # whatever the label of the whole (the urgency detector has the last word on red_flag)
    assert _parse("and swimming?").get("intent")["name"] == "recovery"


def test_a_question_after_the_date_in_one_sentence_wins_over_the_date():
    text = "my treatment was on the 16th, can I wear makeup yet"
    message = _parse(text, [_date(text, "the 16th", "past")])
    assert message.get("intent")["name"] == "recovery"
    assert _parse("my treatment was on the 16th").get("intent")["name"] == "share_treatment_date"


def test_a_bare_date_behind_us_is_a_treatment_date_not_an_event():
    text = "22 November"
    assert _parse(text, [_date(text, text, "past")]).get("intent")["name"] == "share_treatment_date"
    # a day ahead may be the event the bot asked about
    assert _parse(text, [_date(text, text, "future")]).get("intent")["name"] == "plan_event"


def test_the_one_question_asked_wins_over_what_the_message_tells():
    message = _parse("Skin feels tight and itchy but fine. Am I allowed back at the gym?")
    assert message.get("intent")["name"] == "recovery"
    selected = message.get("response_selector")["recovery"]["response"]["intent_response_key"]
    assert selected == "recovery/exercise"
    # without a question, the message's own topic stands
    told = _parse("Skin feels tight and itchy but fine.").get("response_selector")
    assert told["recovery"]["response"]["intent_response_key"] == "recovery/timeline"


def test_what_about_a_topic_is_that_topic_when_it_is_clearer_alone():
    message = _parse("what about makeup?")
    selected = message.get("response_selector")["recovery"]["response"]["intent_response_key"]
    assert selected == "recovery/makeup"
    # nothing clearer named: the message's own reading stands
    assert _parse("what about it?").get("response_selector")["faq"]["response"]["intent_response_key"] == (
        "faq/side_effects"
    )


def test_the_one_planning_question_wins_over_the_topic_the_rest_names():
    text = (
        "I finished isotretinoin last year. Got an interview on DATE - when would you book the laser for me?"
    )
    assert _parse(text).get("intent")["name"] == "plan_event"
    # without the question, the topic the message names stands
    assert _parse("I finished isotretinoin last year.").get("intent")["name"] == "faq"


def test_a_condition_the_doctor_checks_gets_the_suitability_answer_first():
    message = _parse("I'm pregnant, how long before I can go running?")
    assert message.get("intent")["name"] == "multiple_questions"
    assert [q["label"] for q in message.get("questions")] == ["faq/suitability", "recovery/exercise"]
    assert message.get("questions")[0]["condition_words"] == ["pregnant"]
    # no condition named: the question alone
    assert _parse("how long before I can go running?").get("intent")["name"] == "recovery"


def test_a_greeting_in_front_of_the_message_is_not_what_was_said():
    text = "hello, my treatment was on DATE"
    assert _parse(text).get("intent")["name"] == "share_treatment_date"
    assert _parse("hello").get("intent")["name"] == "greet"
    # a greeting with too little after it stays a greeting
    assert _parse("hello there you").get("intent")["name"] == "greet"


def test_an_occasion_ahead_and_a_question_when_outweigh_a_passing_word_about_skin():
    text = "her prom is DATE and she has acne scarring, when would she need to have it by?"
    assert _parse(text, [_date(text, "DATE", "future")]).get("intent")["name"] == "plan_event"
    # without a day ahead, or without a question, the reading stands
    told = "her prom is DATE and she has acne scarring."
    assert _parse(told, [_date(told, "DATE", "future")]).get("intent")["name"] == "faq"
    assert _parse(text, [_date(text, "DATE", "past")]).get("intent")["name"] == "faq"


def test_what_the_patient_says_is_absent_is_not_what_they_ask_about():
    message = _parse("no fever, just some redness, is that normal?")
    assert (
        message.get("response_selector")["recovery"]["response"]["intent_response_key"] == "recovery/redness"
    )
