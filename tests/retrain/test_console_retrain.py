"""The console's Retrain button runs the real pipeline and shows its report."""
import json
import re
import time

import pytest
import yaml

from tests.console.conftest import ConsoleServer
from tests.retrain.conftest import latest_report

pytestmark = pytest.mark.servers


def wait_for_new_run(project, run_before, seconds=180):
    status_file = project / "var" / "retrain" / "status.json"
    deadline = time.time() + seconds
    while time.time() < deadline:
        status = json.loads(status_file.read_text())
        if status["state"] == "finished" and status["run_id"] != run_before:
            return status["run_id"]
        time.sleep(0.5)
    raise AssertionError(f"the retrain did not finish: {status}")


def test_admin_retrain_button_merges_corrections_and_reports(project, server, tmp_path):
    console = ConsoleServer("retrain", f"sqlite:///{server.db_path}",
                            f"sqlite:///{tmp_path / 'staff.db'}", tmp_path)
    console.env.update({"RETRAIN_PROJECT_ROOT": str(project)})
    console.start()
    try:
        admin, reviewer = console.client("admin"), console.client("reviewer")
        assert "retrain-button" not in reviewer.get("/retrain").text
        assert reviewer.post("/retrain").status_code == 403

        # a staff correction, and an FAQ file with a mistake in it
        server.send("console-retrain-patient", "whats the damage for a full face zap")
        conversations = admin.get("/conversations?q=full+face+zap").text
        cid = re.search(r'data-conversation-id="(\d+)"', conversations.split(
            'id="conversation-list"', 1)[1]).group(1)
        transcript = admin.get(f"/conversations/{cid}").text
        event_id = re.search(r'name="event_id" value="(\d+)"', transcript).group(1)
        assert admin.post(f"/conversations/{cid}/annotate",
                          {"event_id": event_id, "intent": "faq/cost"}).ok
        bad = project / "clinic" / "faqs" / "parking.yml"
        bad.write_text("key: parking\nexamples:\n  - where do i park\n")
        before = latest_report(project)["run_id"]

        response = admin.post("/retrain")
        assert response.ok and "Retraining started with 1 correction" in response.text
        run_id = wait_for_new_run(project, before)
        page = admin.get("/retrain").text
        assert "Status: <strong>finished</strong>" in page and run_id in page
        assert "source problems" in page
        assert "clinic/faqs/parking.yml:1: missing answer" in page
        corrections = yaml.safe_load((project / "clinic" / "annotations" /
                                      "console-corrections.yml").read_text())
        assert corrections["nlu"] == [{"intent": "faq/cost", "examples":
                                       "- whats the damage for a full face zap\n"}]
        assert "parking.yml:1: missing answer" in reviewer.get(f"/retrain/{run_id}").text
    finally:
        (project / "clinic" / "faqs" / "parking.yml").unlink(missing_ok=True)
        (project / "clinic" / "annotations" / "console-corrections.yml").unlink(missing_ok=True)
        console.stop()
