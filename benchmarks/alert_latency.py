"""Time from a red-flag message sent to its alert email delivered to the SMTP server.

    PYTHONPATH=. .venv/bin/python -m benchmarks.alert_latency [--flags 50] [--poll-seconds 2]

Starts the real bot (action server + Rasa, own SQLite store), a real SMTP server
(aiosmtpd) and `python -m alerts` with its default settings (poll every 2 s), then
sends each red flag from a new conversation, one after another at random
intervals, and prints the
median, 95th percentile and worst latency. Clock: from just before the webhook
request to the moment the SMTP server has the whole message.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from harness.alerts import AlertWorker, SmtpSink, clinic_file, conversation_id, wait_until, worker_env
from harness.servers import Bot

RED_FLAGS = [
    "I have a fever and pus coming out",
    "my eyes are swollen shut",
    "the bleeding won't stop",
    "the redness is spreading and hot to the touch",
    "I've got blisters all over my cheeks",
]
DEFAULTS = (
    "ALERTS_POLL_SECONDS",
    "ALERTS_LEASE_SECONDS",
    "ALERTS_SETTLE_SECONDS",
    "ALERTS_SEND_TIMEOUT_SECONDS",
    "ALERTS_CLAIM_SECONDS",
    "ALERTS_RETRY_BASE_SECONDS",
    "ALERTS_RETRY_MAX_SECONDS",
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", type=int, default=50)
    parser.add_argument("--poll-seconds", help="ALERTS_POLL_SECONDS (default: the worker's own)")
    parser.add_argument(
        "--max-gap-seconds",
        type=float,
        default=3.0,
        help="random pause between flags, so they fall at every point of the worker's poll cycle",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="alert-latency-"))
    bot = Bot(work).start()
    smtp = SmtpSink().start()
    env = worker_env(
        f"sqlite:///{bot.db_path}",
        f"sqlite:///{work / 'staff.db'}",
        clinic_file(work, on_call=[{"name": "Nurse", "email": "n@example-clinic.test"}]),
        smtp,
    )
    for name in DEFAULTS:  # measure the product's settings, not the tests' fast ones
        env.pop(name)
    if args.poll_seconds:
        env["ALERTS_POLL_SECONDS"] = args.poll_seconds
    worker = AlertWorker(env, work / "worker.log").start()
    tracker = create_engine(f"sqlite:///{bot.db_path}")
    latencies = []
    rng = random.Random(12)
    try:
        worker.wait_leading()
        for index in range(args.flags):
            sender = f"latency-{index:03d}-{int(time.time())}"
            started = time.time()
            bot.send(sender, RED_FLAGS[index % len(RED_FLAGS)])
            conversation = conversation_id(tracker, sender)
            mail = wait_until(
                functools.partial(smtp.for_conversation, conversation),
                120,
                f"the alert for flag {index}",
                interval=0.02,
            )[0]
            latencies.append(mail.at - started)
            time.sleep(rng.uniform(0, args.max_gap_seconds))
        duplicates = len(smtp.messages()) - args.flags
    finally:
        worker.stop()
        smtp.stop()
        bot.stop()
        tracker.dispose()
    latencies.sort()
    result = {
        "flags": len(latencies),
        "poll_seconds": float(env.get("ALERTS_POLL_SECONDS", 2)),
        "median_s": round(statistics.median(latencies), 3),
        "p95_s": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 3),
        "worst_s": round(latencies[-1], 3),
        "best_s": round(latencies[0], 3),
        "extra_emails": duplicates,
    }
    print(json.dumps(result))
    print(
        f"red flag -> alert at the SMTP server, {result['flags']} flags, poll every "
        f"{result['poll_seconds']:g}s: median {result['median_s']:.2f}s, p95 {result['p95_s']:.2f}s, "
        f"worst {result['worst_s']:.2f}s (best {result['best_s']:.2f}s); extra emails: {duplicates}"
    )
    return 0 if duplicates == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
