"""Where does one message's time go? Runs the model in-process (Agent.handle_text)
with the same endpoints as the server and times every graph node (NLU
components and policies), the tracker store and the action-server call.

    .venv/bin/python -m benchmarks.profile_turn                  # the clinic bot
    .venv/bin/python -m benchmarks.profile_turn --cprofile 30    # + cProfile top 30
    .venv/bin/python -m benchmarks.profile_turn --model STOCK.tar.gz --project STOCK_DIR \\
        --texts hello "I am sad" great                           # a `rasa init` project

The clinic bot's action server is started through harness/servers.py; the
tracker store is the SQLite store of endpoints.yml in a temporary folder.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional

from clinicbot.paths import PROJECT_ROOT

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TIMES: Dict[str, float] = defaultdict(float)
CALLS: Dict[str, int] = defaultdict(int)


def _record(key: str, seconds: float) -> None:
    TIMES[key] += seconds
    CALLS[key] += 1


def _wrap_sync(owner, name: str, key) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _record(key(self) if callable(key) else key, time.perf_counter() - started)

    setattr(owner, name, wrapper)


def _wrap_async(owner, name: str, key: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            _record(key, time.perf_counter() - started)

    setattr(owner, name, wrapper)


def quiet() -> None:
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def instrument() -> None:
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.graph import GraphNode

    _wrap_sync(GraphNode, "__call__", lambda node: f"node {node._node_name}")
    from tracker.durable_sql import DurableSQLTrackerStore

    for store in (DurableSQLTrackerStore, tracker_store.SQLTrackerStore,
                  tracker_store.InMemoryTrackerStore):
        for method in ("retrieve", "save"):
            _wrap_async(store, method, f"tracker store {store.__name__}.{method}")
    _wrap_async(RemoteAction, "run", "action server call (RemoteAction.run)")
    _wrap_async(MessageProcessor, "parse_message", "= NLU total (parse_message)")
    _wrap_sync(MessageProcessor, "_predict_next_with_tracker", "= policies total (per prediction)")


async def profile(model: Path, texts: List[str], messages: int, warmup: int,
                  cprofile_top: int) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml") \
        if Path("endpoints.yml").exists() else AvailableEndpoints()
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    print(f"tracker store: {type(agent.tracker_store).__name__}"
          f"({type(getattr(agent.tracker_store, '_tracker_store', agent.tracker_store)).__name__})")
    for kind, text in enumerate(texts):
        for i in range(warmup):
            await agent.handle_text(text, sender_id=f"warmup-{kind}-{i}")
        TIMES.clear()
        CALLS.clear()
        profiler = cProfile.Profile() if cprofile_top else None
        totals = []
        for _ in range(messages):
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            await agent.handle_text(text, sender_id=f"profile-{kind}")
            totals.append(time.perf_counter() - started)
            if profiler:
                profiler.disable()
        totals.sort()
        print(f"\n=== {text!r}: {messages} messages, one conversation; handle_text mean "
              f"{1000 * sum(totals) / messages:.1f} ms, median {1000 * totals[messages // 2]:.1f} ms")
        print(f"{'component':70} {'ms/msg':>7} {'calls/msg':>9} {'share':>6}")
        total_ms = 1000 * sum(totals) / messages
        for key, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
            ms = 1000 * seconds / messages
            if ms >= 0.05:
                print(f"{key[:70]:70} {ms:7.2f} {CALLS[key] / messages:9.1f} "
                      f"{100 * ms / total_ms:5.0f}%")
        if profiler:
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(cprofile_top)
            print(stream.getvalue())


def main(argv: Optional[List[str]] = None) -> int:
    from benchmarks.bench import KINDS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None,
                        help="model to load (default: models/clinic-bot.tar.gz)")
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT,
                        help="folder to run from (its endpoints.yml is used)")
    parser.add_argument("--texts", nargs="+", default=[t for t, _ in KINDS.values()])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="also print cProfile's top N functions by own time")
    args = parser.parse_args(argv)

    from harness.servers import MODEL, Bot
    model = (args.model or MODEL).resolve()
    with tempfile.TemporaryDirectory(prefix="clinic-profile-") as tmp:
        bot = None
        if args.project.resolve() == PROJECT_ROOT:
            bot = Bot(Path(tmp))
            bot.start_actions()
            os.environ.update({
                "ACTION_SERVER_URL": f"http://127.0.0.1:{bot.actions_port}/webhook",
                "TRACKER_DB_URL": f"sqlite:///{Path(tmp) / 'tracker.db'}",
                "TRACKER_DB_DIALECT": "sqlite",
                "TRACKER_SPOOL_PATH": str(Path(tmp) / "tracker-spool.db")})
        os.chdir(args.project)
        try:
            quiet()
            instrument()
            asyncio.run(profile(model, args.texts, args.messages, args.warmup, args.cprofile))
        finally:
            if bot:
                bot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
