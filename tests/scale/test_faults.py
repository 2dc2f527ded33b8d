"""Failures of the database and bursts, on the scale-out deployment."""
import json
import os
import subprocess
import time

from tests.bot.servers import ROOT, http, texts
from tests.scale.test_scale_out import send


def test_tracker_database_down_at_start_names_the_setting(cluster):
    closed_port = cluster.postgres.port + 1 if cluster.postgres.port < 65535 else 1
    started = time.time()
    result = subprocess.run(
        ["bash", "scripts/run.sh"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, **cluster.env(
            SERVICES="rasa", RASA_PORT="1",
            TRACKER_DB_URL=f"postgresql://rasa:secret@127.0.0.1:{closed_port}/clinicbot")})
    assert result.returncode != 0
    assert "TRACKER_DB_URL" in result.stderr and "secret" not in result.stderr, result.stderr
    assert time.time() - started < 60


def test_database_going_away_fails_cleanly_and_recovers(cluster):
    assert "price depends" in texts(send(cluster.nginx.url, "db-outage", "how much does it cost?"))
    stored_before = cluster.postgres.query("select count(*) from events where sender_id = 'db-outage'")[0][0]
    cluster.postgres.stop()
    try:
        started = time.time()
        status, raw = http("POST", cluster.nginx.url + "/webhooks/rest/webhook",
                           {"sender": "db-outage", "message": "does it hurt?"}, timeout=120)
        assert time.time() - started < 60
        # Rasa's fail-safe tracker store answers from memory while the
        # database is away (that turn is not stored); never a server error.
        assert status == 200, raw[:300]
        during = json.loads(raw)
        assert during == [] or "numbing" in texts(during)
    finally:
        cluster.postgres.start()
    reply = []
    for _ in range(10):  # the first requests may meet connections from before the outage
        reply = send(cluster.nginx.url, "db-outage", "how much does it cost?")
        if reply:
            break
        time.sleep(1)
    assert "price depends" in texts(reply)
    stored_after = cluster.postgres.query("select count(*) from events where sender_id = 'db-outage'")[0][0]
    assert stored_after > stored_before
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
        connection.request("POST", "/webhooks/rest/webhook", body,
                           {"Content-Type": "application/json"})
        connections.append(connection)
        time.sleep(0.02)
    replies = []
    for connection in connections:
        response = connection.getresponse()
        assert response.status == 200
        replies.append(json.loads(response.read()))
        connection.close()
    assert all("price depends" in texts(reply) for reply in replies)
    rows = cluster.postgres.query(
        "select type_name, data from events where sender_id = 'burst' order by id")
    numbers = [int(json.loads(data)["text"].rsplit("(", 1)[1].rstrip(")"))
               for kind, data in rows if kind == "user"]
    assert numbers == list(range(1, 201))
    kinds = [kind for kind, _ in rows]
    users = [i for i, kind in enumerate(kinds) if kind == "user"]
    for start, end in zip(users, users[1:] + [len(kinds)]):
        assert "bot" in kinds[start:end]  # each turn answered before the next began
