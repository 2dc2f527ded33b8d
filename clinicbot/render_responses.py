"""The bot's clinic-dependent responses, from the clinic content file and the FAQ files.

FAQ answers, the general recovery answers and the contact replies are served
by Rasa itself (no action server), so they are rendered into Rasa training
data at build time by `python -m clinicbot.training_data generate`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

import yaml

from clinicbot.content import ClinicContent
from clinicbot.timeline import general_answer, recovery_topics

HEADER = ("# GENERATED from clinic/clinic.yml and clinic/faqs/ by\n"
          "# `python -m clinicbot.training_data generate`. Do not edit: change those and\n"
          "# run `make retrain`.\n")


def responses(content: ClinicContent, faq_answers: Mapping[str, str]
              ) -> Dict[str, List[Dict[str, Any]]]:
    rendered: Dict[str, List[Dict[str, Any]]] = {}
    for key, text in faq_answers.items():
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


def responses_yaml(content: ClinicContent, faq_answers: Mapping[str, str]) -> str:
    return HEADER + yaml.safe_dump({"version": "3.1", "responses": responses(content, faq_answers)},
                                   sort_keys=False, allow_unicode=True, width=100)
