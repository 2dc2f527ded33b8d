"""The FAQ source files and annotations: checks with file and line, and generation."""
import shutil

import pytest
import yaml

from clinicbot.training_data import (Project, SourceError, checked_sources, generate, load_nlu_examples,
                                     load_sources, main)

from clinicbot.paths import PROJECT_ROOT as ROOT

PREGNANCY = """key: pregnancy
answer: >-
  Not during pregnancy. Please ask the clinic on {clinic.phone}.
examples:
  - can i have it while pregnant
  - is co2 laser safe in pregnancy
  - i'm pregnant, can i still get the laser
  - pregnant and want the treatment
  - can pregnant women have laser resurfacing
  - is it ok when expecting a baby
  - breastfeeding and pregnant, is the laser allowed
  - im 5 months pregnant can i book
"""


@pytest.fixture
def project(tmp_path):
    for name in ("domain.yml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "clinic", tmp_path / "clinic",
                    ignore=shutil.ignore_patterns("annotations"))
    shutil.copytree(ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    return Project(tmp_path)


def problems_of(project):
    return load_sources(project).problems


def test_the_projects_own_sources_are_clean():
    sources = checked_sources()
    assert len(sources.faqs) >= 13
    assert "faq/cost" in sources.labels() and "red_flag" in sources.labels()


def test_a_new_faq_is_generated_into_nlu_data_and_responses(project):
    (project.faq_dir / "pregnancy.yml").write_text(PREGNANCY)
    written = generate(project)
    assert {p.name for p in written} == {"faq_nlu.yml", "annotations_nlu.yml", "responses.yml"}
    nlu = yaml.safe_load((project.generated_dir / "faq_nlu.yml").read_text())["nlu"]
    block = next(b for b in nlu if b["intent"] == "faq/pregnancy")
    assert "- can i have it while pregnant" in block["examples"]
    responses = yaml.safe_load((project.generated_dir / "responses.yml").read_text())["responses"]
    assert responses["utter_faq/pregnancy"][0]["text"].startswith("Not during pregnancy.")
    assert "{clinic.phone}" not in responses["utter_faq/pregnancy"][0]["text"]
    assert generate(project) == []  # unchanged sources rewrite nothing


@pytest.mark.parametrize("text, expected", [
    ("key: pregnancy\nanswer: [unclosed\nexamples: []\n",
     "clinic/faqs/pregnancy.yml:3: not valid YAML"),
    (PREGNANCY.replace("answer: >-\n  Not during pregnancy. Please ask the clinic on "
                       "{clinic.phone}.\n", ""),
     "clinic/faqs/pregnancy.yml:1: missing answer"),
    (PREGNANCY.replace('answer: >-\n  Not during', 'answer: ""\nx: >-\n  Not during'),
     "clinic/faqs/pregnancy.yml:2: missing answer"),
    ("\n".join(PREGNANCY.splitlines()[:7]) + "\n",
     "clinic/faqs/pregnancy.yml:4: only 3 example questions; write at least 8"),
    (PREGNANCY.replace("key: pregnancy", "key: pregnant"),
     "clinic/faqs/pregnancy.yml:1: key 'pregnant' must match the file name"),
    (PREGNANCY.replace("examples:", "anwser: hi\nexamples:"),
     "clinic/faqs/pregnancy.yml:4: unknown field 'anwser'"),
    (PREGNANCY + "  - Is CO2 laser safe in pregnancy?\n",
     "clinic/faqs/pregnancy.yml:13: duplicate example 'Is CO2 laser safe in pregnancy?' "
     "(already at clinic/faqs/pregnancy.yml:6)"),
    (PREGNANCY + "  - how much does it cost\n",
     "clinic/faqs/pregnancy.yml:13: example 'how much does it cost' is under faq/pregnancy "
     "here and under faq/cost at clinic/faqs/cost.yml:"),
    (PREGNANCY + "  - i have a fever\n", "example 'i have a fever' is under red_flag here and "
                                         "under faq/pregnancy at clinic/faqs/pregnancy.yml:13"),
    (PREGNANCY.replace("{clinic.phone}", "{clinic.fax}"), "cannot be filled in"),
    ("", "clinic/faqs/pregnancy.yml: the file is empty"),
])
def test_bad_faq_files_are_named_with_file_and_line(project, text, expected):
    (project.faq_dir / "pregnancy.yml").write_text(text)
    with pytest.raises(SourceError) as failure:
        from clinicbot.content import load_content
        checked_sources(project, render=load_content(project.content_file).render)
    assert any(expected in problem for problem in failure.value.problems), failure.value.problems


def test_nothing_is_generated_when_a_source_is_wrong(project, capsys):
    generate(project)
    before = {p.name: p.read_text() for p in project.generated_dir.iterdir()}
    (project.faq_dir / "pregnancy.yml").write_text(PREGNANCY.replace("key: pregnancy\n", ""))
    (project.faq_dir / "cost.yml").write_text("key: cost\nanswer: x\nexamples: [a]\n")
    assert main(["generate", "--root", str(project.root)]) == 2
    error = capsys.readouterr().err
    assert "2 problem(s)" in error and "nothing was changed" in error
    assert "clinic/faqs/pregnancy.yml:1: missing 'key'" in error
    assert "clinic/faqs/cost.yml:3: only 1 example questions" in error
    assert {p.name: p.read_text() for p in project.generated_dir.iterdir()} == before


ANNOTATIONS = """version: "3.1"
nlu:
- intent: faq/cost
  examples: |
    - how much does it cost
    - whats the damage for a full face zap
- intent: red_flag
  examples: |
    - my cheek is hot and weeping yellow stuff
"""


def test_annotations_merge_without_duplicates(project):
    project.annotations_dir.mkdir()
    (project.annotations_dir / "console-corrections.yml").write_text(ANNOTATIONS)
    (project.annotations_dir / "second-export.yml").write_text(ANNOTATIONS)
    sources = checked_sources(project)
    fresh = [(e.text, e.label) for e in sources.new_annotations()]
    assert fresh == [("whats the damage for a full face zap", "faq/cost"),
                     ("my cheek is hot and weeping yellow stuff", "red_flag")]
    generate(project)
    nlu = yaml.safe_load((project.generated_dir / "annotations_nlu.yml").read_text())["nlu"]
    assert [b["intent"] for b in nlu] == ["faq/cost", "red_flag"]
    assert nlu[0]["examples"].count("- ") == 1


@pytest.mark.parametrize("annotation, expected", [
    ("- intent: faq/downtime\n  examples: |\n    - how much does it cost\n",
     "clinic/annotations/export.yml:5: correction 'how much does it cost' says faq/downtime, "
     "but clinic/faqs/cost.yml"),
    ("- intent: faq/parking\n  examples: |\n    - where do i park\n",
     "clinic/annotations/export.yml:5: 'faq/parking' has no FAQ file"),
    ("- intent: small_talk\n  examples: |\n    - nice weather\n",
     "clinic/annotations/export.yml:5: unknown label 'small_talk'"),
    ("- intent: faq\n  examples: |\n    - what is it\n", "'faq' needs a sub-label"),
    ("- intent: greet\n  examples: |\n    hello there\n",
     "clinic/annotations/export.yml:5: an example line must start with '- '"),
])
def test_bad_annotations_are_named_with_file_and_line(project, annotation, expected):
    project.annotations_dir.mkdir()
    (project.annotations_dir / "export.yml").write_text('version: "3.1"\nnlu:\n' + annotation)
    problems = problems_of(project)
    assert any(expected in problem for problem in problems), problems


def test_a_block_marked_urgency_only_is_kept_from_the_intent_classifier(tmp_path):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from components.linear_intent_classifier import only_for_urgency

    source = tmp_path / "look_alikes.yml"
    source.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: thank_you\n  metadata:\n    urgency_only: true\n  examples: |\n    - my wallet is bleeding lol\n"
        "- intent: thank_you\n  examples: |\n    - thanks so much\n",
        encoding="utf-8",
    )
    problems: list = []
    examples = load_nlu_examples(source, problems, root=tmp_path)
    assert not problems
    assert [(e.text, e.urgency_only) for e in examples] == [("my wallet is bleeding lol", True), ("thanks so much", False)]
    messages = RasaYAMLReader().read(source).intent_examples
    assert [only_for_urgency(m) for m in messages] == [True, False]
