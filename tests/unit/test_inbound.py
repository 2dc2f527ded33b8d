import pytest

from clinicbot.inbound import MAX_MESSAGE_CHARS, Refused, check, clean_metadata, plain_text

OWN = ["/affirm", "/deny"]


@pytest.mark.parametrize("body", [None, [], "text", {"message": "hi"}, {"sender": "", "message": "hi"},
                                  {"sender": "   ", "message": "hi"}, {"sender": 7, "message": "hi"},
                                  {"sender": "x" * 129, "message": "hi"}])
def test_requests_without_a_usable_sender_are_refused(body):
    with pytest.raises(Refused):
        check(body, OWN)


def test_long_messages_are_flagged_not_read():
    inbound = check({"sender": "a", "message": "x" * (MAX_MESSAGE_CHARS + 1)}, OWN)
    assert inbound.too_long
    assert not check({"sender": "a", "message": "x" * MAX_MESSAGE_CHARS}, OWN).too_long


@pytest.mark.parametrize("metadata, kept", [
    ({"timezone": "Europe/Paris", "language": "en", "other": "x" * 10_000}, {"timezone": "Europe/Paris", "language": "en"}),
    ({"timezone": "Europe"}, {}), ({"timezone": "Etc"}, {}), ({"timezone": "__pycache__"}, {}),
    ({"timezone": "x" * 65}, {}), ({"timezone": 3}, {}), ("not a dict", {}), (None, {}),
])
def test_metadata_keeps_only_what_the_product_uses(metadata, kept):
    assert clean_metadata(metadata) == kept


@pytest.mark.parametrize("text, read_as", [
    ("/red_flag", "red_flag"), ("/faq/cost", "faq/cost"), ("/affirm", "/affirm"),
    ("how much is it", "how much is it"),
])
def test_typed_intents_are_read_as_words_except_the_bots_own_buttons(text, read_as):
    assert plain_text(text, OWN) == read_as
