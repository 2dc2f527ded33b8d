"""`make retrain` and `make rollback` for real: training, evaluation, the gate, and a
running Rasa server that switches models through its HTTP API.

Runs on a copy of the project (tests/retrain/project.py); the config, data,
Rasa, pipeline and gate are the product's. The tests build
on each other in file order: baseline, refusals, new FAQ, rollback, fine-tune.
"""
from __future__ import annotations

import json
import threading
import time

import yaml

import pytest

from retrain.models import file_sha256
from harness.servers import http, texts
from tests.retrain.conftest import JWT_SECRET, latest_report
from tests.retrain.project import retrain

pytestmark = pytest.mark.servers

PREGNANCY_QUESTION = "can i have the co2 laser while i'm pregnant?"
PREGNANCY_FAQ = """key: pregnancy
answer: >-
  We don't do this treatment during pregnancy. Please ask the clinic on
  {clinic.phone} about the right time after your baby is born.
examples:
  - can i have the treatment while pregnant
  - is the co2 laser safe during pregnancy
  - i'm pregnant, can i still get laser resurfacing
  - can pregnant women have fractional laser
  - is it ok to have the laser when expecting a baby
  - im 5 months pregnant can i book the laser
  - pregnant - is co2 resurfacing allowed
  - can you do co2 on someone who is pregnant
  - we're trying for a baby, is the laser a problem in pregnancy
  - laser treatment and pregnancy
"""


def retrain_live(project, server, *extra):
    return retrain(project, "run", *extra, env={"RASA_URLS": server.url,
                                                "RASA_JWT_SECRET": JWT_SECRET})


def live_sha(project) -> str:
    return file_sha256(project / "models" / "clinic-bot.tar.gz")


def test_a_malformed_or_conflicting_faq_is_refused_with_file_and_line(project, server):
    before = live_sha(project)
    broken = project / "clinic" / "faqs" / "pregnancy.yml"
    broken.write_text(PREGNANCY_FAQ.replace("examples:", "examples: [\n"))
    result = retrain_live(project, server)
    assert result.returncode == 2
    assert "clinic/faqs/pregnancy.yml:7: not valid YAML" in result.stderr
    broken.write_text(PREGNANCY_FAQ + "  - how much does it cost\n")
    result = retrain_live(project, server)
    assert result.returncode == 2
    assert "clinic/faqs/pregnancy.yml:16: example 'how much does it cost' is under " \
           "faq/pregnancy here and under faq/cost at clinic/faqs/cost.yml" in result.stderr
    assert latest_report(project)["outcome"] == "source problems"
    broken.unlink()
    assert live_sha(project) == before


def test_harmful_changes_are_refused_by_the_gate(project, server):
    before = live_sha(project)
    originals = {path: path.read_text() for path in (project / "data" / "nlu").glob("*.yml")}
    for path, original in originals.items():
        data = yaml.safe_load(original)
        data["nlu"] = [block for block in data["nlu"] if block.get("intent") != "red_flag"]
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        result = retrain_live(project, server)
    finally:
        for path, original in originals.items():
            path.write_text(original)
    assert result.returncode == 3, result.stdout + result.stderr
    report = latest_report(project)
    assert report["outcome"] == "rejected"
    assert any("could no longer recognise them: red_flag (had" in r for r in report["reasons"])

    cost, downtime = (project / "clinic" / "faqs" / f"{k}.yml" for k in ("cost", "downtime"))
    texts_before = cost.read_text(), downtime.read_text()
    cost_data, downtime_data = yaml.safe_load(texts_before[0]), yaml.safe_load(texts_before[1])
    cost_data["answer"], downtime_data["answer"] = downtime_data["answer"], cost_data["answer"]
    cost.write_text(yaml.safe_dump(cost_data, sort_keys=False))
    downtime.write_text(yaml.safe_dump(downtime_data, sort_keys=False))
    try:
        result = retrain_live(project, server)
    finally:
        cost.write_text(texts_before[0])
        downtime.write_text(texts_before[1])
    assert result.returncode == 3
    assert "faq/cost would answer with the text of faq/downtime" in result.stderr
    assert live_sha(project) == before


def test_a_new_faq_goes_live_without_losing_conversations(project, server):
    sender = "patient-before-retrain"
    assert "Day 3" in texts(server.send(sender, "i had my laser 3 days ago, can i wear makeup?"))
    old_answer = texts(server.send("asker-1", PREGNANCY_QUESTION))
    assert "during pregnancy" not in old_answer

    (project / "clinic" / "faqs" / "pregnancy.yml").write_text(PREGNANCY_FAQ)
    replies, stop = [], threading.Event()

    def keep_talking():  # a patient chatting while the model is swapped
        while not stop.is_set():
            started = time.monotonic()
            status, _ = http("POST", server.url + "/webhooks/rest/webhook",
                             {"sender": "patient-during-swap", "message": "how much is it"})
            replies.append((status, time.monotonic() - started))
            time.sleep(0.5)

    talker = threading.Thread(target=keep_talking)
    talker.start()
    try:
        result = retrain_live(project, server)
    finally:
        stop.set()
        talker.join()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = latest_report(project)
    assert report["training"]["mode"] == "full"
    assert report["changes"]["faqs_added"] == ["pregnancy"]
    assert report["activation"][0]["status"] == "activated"
    assert report["candidate"]["per_label"]["faq/cost"]["f1"] > 0.5
    assert "confused_pairs" in report["candidate"]
    assert replies and all(status == 200 for status, _ in replies), replies
    print(f"longest reply during the swap: {max(s for _, s in replies):.1f} s")

    assert "We don't do this treatment during pregnancy" in \
        texts(server.send("asker-2", PREGNANCY_QUESTION))
    # the earlier conversation goes on with its treatment date
    assert "Day 3" in texts(server.send(sender, "and when can i go to the gym?"))
    events = server.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][:1] == \
        ["i had my laser 3 days ago, can i wear makeup?"]
    assert (project / "models" / "previous" / "clinic-bot.tar.gz").exists()


def test_rollback_restores_the_previous_answers(project, server):
    assert "during pregnancy" in texts(server.send("asker-3", PREGNANCY_QUESTION))
    result = retrain(project, "rollback", env={"RASA_URLS": server.url,
                                               "RASA_JWT_SECRET": JWT_SECRET})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "activated" in result.stdout
    assert "We don't do this treatment during pregnancy" not in \
        texts(server.send("asker-4", PREGNANCY_QUESTION))
    assert "consultation" in texts(server.send("asker-5", "how much does it cost"))


def test_corrections_alone_are_fine_tuned_in(project, server):
    (project / "clinic" / "faqs" / "pregnancy.yml").unlink()  # back to the live model's labels
    annotations = project / "clinic" / "annotations"
    annotations.mkdir(exist_ok=True)
    (annotations / "console-corrections.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/cost\n  examples: |\n'
        "    - whats the damage for a full face zap\n    - how much do u charge\n"
        "- intent: red_flag\n  examples: |\n    - my cheek is boiling hot and oozing\n")
    result = retrain_live(project, server)
    report = latest_report(project)
    assert report["training"]["mode"] == "fine-tune", report.get("training")
    assert report["changes"]["annotations_merged"] == 3
    assert "staff annotations" in report["candidate"]["accuracy"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert report["activation"][0]["status"] == "activated"
    assert report["candidate"]["accuracy"]["staff annotations"] == 1.0
    assert "consultation" in texts(server.send("asker-6", "whats the damage for a full face zap"))


def test_an_edit_to_a_rasa_served_reply_goes_live(project, server):
    """The static urgent advice and the out-of-scope reply are served by Rasa
    from the model, so an edit in clinic.yml alone must make retrain train."""
    content_file = project / "clinic" / "clinic.yml"
    data = yaml.safe_load(content_file.read_text())
    data["red_flags"]["advice"] = ("This may be urgent: ring the clinic straight away on "
                                   "{clinic.phone}, or {clinic.emergency_number}.")
    data["responses"]["out_of_scope"] = "I only know about CO2 laser care, sorry."
    content_file.write_text(yaml.safe_dump(data, sort_keys=False))
    result = retrain_live(project, server)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert latest_report(project)["outcome"] == "activated"
    assert "I only know about CO2 laser care" in texts(server.send("oos-1", "who won the football?"))
    status, raw = http("GET", f"{server.url}/domain?token={server.token}",
                       headers={"Accept": "application/json"})
    assert status == 200
    assert "ring the clinic straight away" in json.loads(raw)["responses"]["utter_red_flag"][0]["text"]
