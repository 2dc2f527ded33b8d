"""Writes the bot's clinic-dependent responses from the clinic content file.

FAQ answers, the general recovery answers and the contact replies are served
by Rasa itself (no action server), so they are rendered into Rasa training
data at build time. `make` reruns this whenever clinic/clinic.yml changes.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

from clinicbot.content import ClinicContent, load_content
from clinicbot.timeline import general_answer, recovery_topics

HEADER = ("# GENERATED from clinic/clinic.yml by `python -m clinicbot.render_responses`.\n"
          "# Do not edit: change clinic/clinic.yml and run `make` instead.\n")


def responses(content: ClinicContent) -> Dict[str, List[Dict[str, Any]]]:
    rendered: Dict[str, List[Dict[str, Any]]] = {}
    for key, text in content.faq.items():
        rendered[f"utter_faq/{key}"] = [{"text": content.render(text)}]
    for topic in recovery_topics(content):
        rendered[f"utter_recovery/{topic}"] = [{"text": general_answer(content, topic)}]
    for key, text in content.responses.items():
        rendered[f"utter_{key}"] = [{"text": content.render(text)}]
        if key in content.response_buttons:
            rendered[f"utter_{key}"][0]["buttons"] = [
                {"title": content.render(title), "payload": payload}
                for title, payload in content.response_buttons[key]]
    rendered["utter_default"] = rendered["utter_out_of_scope"]
    rendered["utter_red_flag"] = [{
        "text": content.render(content.red_flag_advice),
        "custom": {"type": "red_flag", "urgent": True, "phone": content.clinic.phone,
                   "emergency_number": content.clinic.emergency_number},
    }]
    return rendered


def write_responses(content: ClinicContent, target: Path) -> bool:
    """Writes only when the text changed, so an unchanged file keeps its
    timestamp and `make` does not retrain for a code-only edit."""
    body = HEADER + yaml.safe_dump({"version": "3.1", "responses": responses(content)},
                                   sort_keys=False, allow_unicode=True, width=100)
    if target.exists() and target.read_text(encoding="utf-8") == body:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return True


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m clinicbot.render_responses CLINIC_FILE OUTPUT_FILE")
    try:
        changed = write_responses(load_content(Path(sys.argv[1])), Path(sys.argv[2]))
    except ValueError as error:
        sys.exit(f"error: {error}")
    print(f"{'wrote' if changed else 'unchanged:'} {sys.argv[2]}")
