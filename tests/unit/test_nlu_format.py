"""The one NLU YAML writer: what it writes reads back as the same examples,
in the project's reader and in Rasa's."""

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from clinicbot.nlu_format import clean_example, nlu_yaml
from clinicbot.training_data import load_nlu_examples

# Texts a patient can type that would break a YAML line or read as markup.
AWKWARD = [
    "how much: roughly?",
    "# is this a comment",
    "- a dash first",
    "it's 'quoted' and \"double quoted\"",
    "[laser](treatment) booked",
    "still red after [day 3]{x}",
    "two\nlines\u2028and a separator",
    "\ufeffbyte order mark",
    "crème brûlée skin",
]


def test_awkward_texts_read_back_as_their_clean_selves(tmp_path):
    written = tmp_path / "examples.yml"
    written.write_text(nlu_yaml([("faq/cost", text) for text in AWKWARD], ["a comment"]))
    problems = []
    read_back = [(e.label, e.text) for e in load_nlu_examples(written, problems, tmp_path)]
    assert problems == []
    assert read_back == [("faq/cost", clean_example(text)) for text in AWKWARD]
    rasa_examples = RasaYAMLReader().read(str(written)).intent_examples
    assert [m.get("text") for m in rasa_examples] == [clean_example(text) for text in AWKWARD]
    assert not any(m.get("entities") for m in rasa_examples)


def test_cleaning_keeps_one_plain_line():
    assert clean_example("two\nlines\u2028here") == "two lines here"
    assert clean_example("[laser](treatment)") == "[laser] (treatment)"
    assert clean_example("\ud800\ue000  ") == ""


def test_blocks_follow_first_label_order_without_repeats_or_empties():
    text = nlu_yaml(
        [("greet", "hi"), ("faq/cost", "price"), ("greet", "hi"), ("greet", "hello"), ("red_flag", " \n")],
        ["first", "second"],
    )
    assert text == (
        "# first\n# second\n"
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: greet\n  examples: |\n    - hi\n    - hello\n"
        "- intent: faq/cost\n  examples: |\n    - price\n"
    )


def test_no_examples_is_an_empty_list():
    assert nlu_yaml([], ["nothing yet"]) == '# nothing yet\nversion: "3.1"\nnlu: []\n'
