"""Failures of the database and bursts, on the scale-out deployment."""

import json
import os
import signal
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import customs, http, texts, wait_until_up
from tests.scale.infra import spooled_turns, wait_until_spools_are_written_back
from tests.scale.test_scale_out import send

pytestmark = pytest.mark.servers


def test_tracker_database_down_at_start_names_the_setting(cluster):
    closed_port = cluster.postgres.port + 1 if cluster.postgres.port < 65535 else 1
    started = time.time()
    result = subprocess.run(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            **cluster.env(
                SERVICES="rasa",
                RASA_PORT="1",
                TRACKER_DB_URL=f"postgresql://rasa:secret@127.0.0.1:{closed_port}/clinicbot",
            ),
        },
    )
    assert result.returncode != 0
    assert "TRACKER_DB_URL" in result.stderr and "secret" not in result.stderr, result.stderr
    assert time.time() - started < 60


def test_database_going_away_fails_cleanly_and_recovers(cluster):
    assert "price depends" in texts(send(cluster.nginx.url, "db-outage", "how much does it cost?"))
    stored_before = cluster.postgres.query("select count(*) from events where sender_id = 'db-outage'")[0][0]
    cluster.postgres.stop()
    try:
        started = time.time()
        status, raw = http(
            "POST",
            cluster.nginx.url + "/webhooks/rest/webhook",
            {"sender": "db-outage", "message": "does it hurt?"},
            timeout=120,
        )
        assert time.time() - started < 60
        # The instance carries the conversation on while the database is
        # away (the turn waits in its spool); never a server error.
        assert status == 200, raw[:300]
        during = json.loads(raw)
        assert "numbing" in texts(during)
    finally:
        cluster.postgres.start()
    reply = []
    for _ in range(10):  # the first requests may meet connections from before the outage
        reply = send(cluster.nginx.url, "db-outage", "how much does it cost?")
        if reply:
            break
        time.sleep(1)
    assert "price depends" in texts(reply)
    wait_until_spools_are_written_back(cluster)  # within seconds of the database's return
    stored_after = cluster.postgres.query("select count(*) from events where sender_id = 'db-outage'")[0][0]
    assert stored_after > stored_before
    assert stored_user_texts(cluster, "db-outage") == [  # the turn during the outage too, in order
        "how much does it cost?",
        "does it hurt?",
        "how much does it cost?",
    ]
    for port in cluster.rasa_ports:
        assert http("GET", f"http://127.0.0.1:{port}/")[0] == 200


def test_burst_of_200_messages_to_one_conversation(cluster):
    """200 messages fired without waiting for answers; all answered, in order.

    One thread writes each request on its own connection 20 ms after the
    previous one (so the send order is certain), then reads the answers."""
    import http.client

    port = cluster.rasa_ports[0]
    connections = []
    for number in range(1, 201):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        body = json.dumps({"sender": "burst", "message": f"how much does it cost? ({number})"})
        connection.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
        connections.append(connection)
        time.sleep(0.02)
    replies = []
    for connection in connections:
        response = connection.getresponse()
        assert response.status == 200
        replies.append(json.loads(response.read()))
        connection.close()
    assert all("price depends" in texts(reply) for reply in replies)
    rows = cluster.postgres.query("select type_name, data from events where sender_id = 'burst' order by id")
    numbers = [
        int(json.loads(data)["text"].rsplit("(", 1)[1].rstrip(")")) for kind, data in rows if kind == "user"
    ]
    assert numbers == list(range(1, 201))
    kinds = [kind for kind, _ in rows]
    users = [i for i, kind in enumerate(kinds) if kind == "user"]
    for start, end in zip(users, users[1:] + [len(kinds)]):
        assert "bot" in kinds[start:end]  # each turn answered before the next began


def stored_events(cluster, sender):
    return [
        (kind, json.loads(data))
        for kind, data in cluster.postgres.query(
            "select type_name, data from events where sender_id = :sender order by id", sender=sender
        )
    ]


def stored_user_texts(cluster, sender):
    return [data["text"] for kind, data in stored_events(cluster, sender) if kind == "user"]


OUTAGE_SECONDS = 60
OUTAGE_ROUNDS = ["how much does it cost?", "does it hurt?"] * 3
RED_FLAG = "I have a fever and pus coming out"


def test_sixty_second_database_outage_loses_no_turn_even_across_a_crash(cluster):
    """20 conversations keep talking through a 60 s PostgreSQL outage (one
    raises a red flag); one Rasa instance is killed during it and started
    again afterwards. Every event ends up stored, in order, once."""
    senders = [f"outage-{index:02d}" for index in range(20)]
    sent, answered = defaultdict(list), defaultdict(list)

    def talk(sender, message):
        reply = send(cluster.nginx.url, sender, message)
        sent[sender].append(message)
        answered[sender].extend(m["text"] for m in reply if m.get("text"))
        return reply

    def talk_round(message_for):
        with ThreadPoolExecutor(max_workers=10) as pool:
            return dict(zip(senders, pool.map(lambda s: talk(s, message_for(s)), senders)))

    talk_round(lambda sender: "I had my laser 3 days ago")
    crashed = cluster.instances[0]
    cluster.postgres.stop()
    outage_started = time.time()
    try:
        for number, message in enumerate(OUTAGE_ROUNDS):
            replies = talk_round(
                lambda s, number=number, message=message: (
                    RED_FLAG if (s, number) == (senders[7], 1) else message
                )
            )
            assert all(replies.values()), replies  # every patient got an answer
            if number == 1:  # the urgent advice, during the outage too
                assert any(card.get("type") == "red_flag" for card in customs(replies[senders[7]]))
            if number == 2:  # the process dies with turns only in its spool
                assert spooled_turns(crashed) > 0
                os.killpg(crashed.process.pid, signal.SIGKILL)
                crashed.process.wait()
            time.sleep(
                max(0.0, outage_started + (number + 1) * OUTAGE_SECONDS / len(OUTAGE_ROUNDS) - time.time())
            )
        assert spooled_turns(crashed) > 0
    finally:
        cluster.postgres.start()
    outage_seconds = time.time() - outage_started
    assert outage_seconds >= OUTAGE_SECONDS

    talk_round(lambda sender: "how much does it cost?")  # the other instance, on the way back
    restarted = cluster.rasa_instance(cluster.rasa_ports[0])
    cluster.instances[0] = restarted
    restarted.start()
    wait_until_up(f"http://127.0.0.1:{cluster.rasa_ports[0]}/", restarted)
    after = talk_round(lambda sender: "can I wear makeup?")
    wait_until_spools_are_written_back(cluster)

    for sender in senders:
        events = stored_events(cluster, sender)
        user_texts = [data["text"] for kind, data in events if kind == "user"]
        assert user_texts == sent[sender], (sender, user_texts)  # all there, in order
        bot_texts = [data["text"] for kind, data in events if kind == "bot" and data.get("text")]
        assert bot_texts == answered[sender], sender  # every reply the patient saw
        serialised = [json.dumps(data, sort_keys=True) for _, data in events]
        assert len(serialised) == len(set(serialised)), f"duplicated event in {sender}"
        assert "Day 3" in texts(after[sender]), (sender, after[sender])  # the date from before the outage
    red_flag_turn = [
        data
        for kind, data in stored_events(cluster, senders[7])
        if kind == "user" and data["text"] == RED_FLAG
    ]
    assert red_flag_turn[0]["parse_data"]["intent"]["name"] == "red_flag"
    assert any(
        kind == "slot" and data["name"] == "red_flag_followup" and data["value"]
        for kind, data in stored_events(cluster, senders[7])
    )
