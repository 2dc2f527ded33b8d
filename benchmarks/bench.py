"""`make bench`: NLU quality, REST latency/throughput and resources of the clinic
bot beside reference peers, all measured in one run, printed as one table.

    .venv/bin/python -m benchmarks.bench            # full run (~4-5 min on 2 cores)
    .venv/bin/python -m benchmarks.bench --quick    # smoke run (~3 min: fewer messages, c=1 and 10)

References: NLU beside a TF-IDF + LogisticRegression classifier trained on the
same data; latency, throughput and resources beside the stock `rasa init`
assistant, created and trained in the same run. Writes results/bench.md and
results/bench.json (results/bench-quick.* with --quick).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import load, nlu_quality, procs, urgency_quality
from clinicbot.content import load_content
from clinicbot.conversation_eval import load_conversations, run_conversations
from clinicbot.model_quality import LABEL_GROUPS
from clinicbot.paths import PROJECT_ROOT, RESULTS_DIR
from clinicbot.urgency_metrics import (URGENCY_STATEMENTS_HELDOUT, is_urgent_parse, load_urgency_cases,
                                      score_urgency)
from harness.servers import MODEL, Bot

TRAIN_TIME_FILE = PROJECT_ROOT / "models" / "train-time.txt"
WEBHOOK = "/webhooks/rest/webhook"

# kind -> (our message, the stock assistant's comparable message)
KINDS = {
    "faq": ("how much does it cost?", "hello"),
    "recovery": ("I had my laser 3 days ago, can I wear makeup?", "I am sad"),
    "red_flag": ("I have a fever and pus coming out", "great"),
}
KIND_TITLES = {"faq": "FAQ", "recovery": "personalised recovery", "red_flag": "red flag"}
# What each reply must contain, so a fast wrong answer is not benchmarked.
EXPECTED = {"faq": None, "recovery": "Day 3", "red_flag": None}

# messages per kind and level; at the target level, rounds x that many, in fresh conversations
FULL = {"levels": {1: 60, 10: 150, 50: 150}, "rounds": {10: 2},
        "warmup_messages": 20, "warmup_concurrency": 5}
QUICK = {"levels": {1: 15, 10: 40}, "warmup_messages": 10, "warmup_concurrency": 5}

P95_RATIO_TARGET = 1.5
THROUGHPUT_TARGET = 30.0
TARGET_LEVEL = 10
OTHER_CPU_WARNING = 0.05  # share of the machine used by other processes that taints the run


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stock_env() -> Dict[str, str]:
    """The stock assistant runs without the clinic project on its path."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}


def cpu_ms_per_message(side: Dict, group: str) -> Optional[float]:
    messages = sum(level["overall"]["messages"] for level in side["latency"].values())
    cpu = side.get("cpu_s_during_load", {}).get(group)
    return None if cpu is None or not messages else 1000.0 * cpu / messages


def wait_for_model() -> None:
    """Never benchmark a model that `rasa train` is rewriting."""
    waited = False
    while procs.rasa_train_running():
        if not waited:
            log("`rasa train` is running; waiting for it to finish")
            waited = True
        time.sleep(10)
    if not MODEL.exists():
        sys.exit(f"{MODEL} is missing: run `make model` first")
    while time.time() - MODEL.stat().st_mtime < 5:  # still being written
        time.sleep(2)


def reply_text(messages: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def check_replies(url: str, which: int) -> Dict[str, str]:
    """One message of each kind; the reply must be a real answer."""
    samples = {}
    for kind, messages in KINDS.items():
        text = reply_text(load.send_one(url, f"bench-check-{kind}", messages[which]))
        expected = EXPECTED[kind] if which == 0 else None
        if not text or (expected and expected not in text):
            raise RuntimeError(f"unexpected reply to {messages[which]!r}: {text!r}")
        samples[kind] = text[:300]
    return samples


class Side:
    """One assistant under test: its webhook, which message of each kind it gets
    (0 = ours, 1 = the stock one) and the process groups whose CPU and RSS count."""

    def __init__(self, name: str, url: str, which: int, groups: Dict[str, int]) -> None:
        self.name, self.url, self.which, self.groups = name, url + WEBHOOK, which, groups
        self.out: Dict = {"latency": {}, "cpu_s_during_load": {g: 0.0 for g in groups}}

    def cpu(self) -> Dict[str, float]:
        return {group: procs.group_cpu_seconds(pgid) for group, pgid in self.groups.items()}

    def rss(self) -> Dict[str, float]:
        return {group: procs.group_rss_mib(pgid) for group, pgid in self.groups.items()}

    def warm_up(self, config: Dict) -> None:
        for kind, messages in KINDS.items():
            result = load.run(self.url, messages[self.which], config["warmup_concurrency"],
                              config["warmup_messages"], tag=f"warmup-{kind}")
            if result["errors"]:
                raise RuntimeError(f"{self.name} warm-up errors: {result['error_samples']}")

    def run(self, level: int, kind: str, messages: int) -> Dict:
        before = self.cpu()
        result = load.run(self.url, KINDS[kind][self.which], level, messages,
                          tag=f"c{level}-{kind}")
        for group, seconds in self.cpu().items():
            self.out["cpu_s_during_load"][group] += seconds - before[group]
        log(f"  {self.name:5} c={level:<2} {kind:9} p50 {result['p50_ms']:7.1f} p95 "
            f"{result['p95_ms']:7.1f} p99 {result['p99_ms']:7.1f} ms  "
            f"{result['throughput_msg_s']:5.1f} msg/s"
            f"{'  ERRORS ' + str(result['errors']) if result['errors'] else ''}")
        return result


def merge(results: List[Dict]) -> Dict:
    """One figure from several rounds of the same kind and level."""
    latencies = [x for r in results for x in r.pop("_latencies_s")]
    ok, errors = sum(r["ok"] for r in results), sum(r["errors"] for r in results)
    wall = sum(r["wall_s"] for r in results)
    return {"text": results[0].get("text"), "concurrency": results[0]["concurrency"],
            "messages": ok + errors, "rounds": len(results), "ok": ok, "errors": errors,
            "error_samples": [e for r in results for e in r.get("error_samples", [])][:5],
            "wall_s": wall, "throughput_msg_s": ok / wall if wall else float("nan"),
            **load.percentiles(latencies), "_latencies_s": latencies}


def latency_suites(sides: List[Side], config: Dict) -> None:
    """Every kind at every concurrency level on both assistants. The runs alternate
    between the two (and which goes first), in one or more rounds of fresh
    conversations, so a disturbance on the machine hits both alike."""
    turn = 0
    for level, messages in config["levels"].items():
        rounds = config.get("rounds", {}).get(level, 1)
        runs: Dict[str, Dict] = {side.name: {} for side in sides}
        for kind in KINDS:
            per_side: Dict[str, List[Dict]] = {side.name: [] for side in sides}
            for _ in range(rounds):
                for side in (sides if turn % 2 == 0 else sides[::-1]):
                    per_side[side.name].append(side.run(level, kind, messages))
                turn += 1
            for side in sides:
                runs[side.name][kind] = merge(per_side[side.name])
        for side in sides:
            overall = merge([dict(runs[side.name][kind]) for kind in KINDS])
            overall.pop("_latencies_s")
            overall.pop("text")
            overall["rounds"] = rounds
            for kind in KINDS:
                runs[side.name][kind].pop("_latencies_s")
            runs[side.name]["overall"] = overall
            side.out["latency"][str(level)] = runs[side.name]


def start_ours(bot: Bot) -> Dict:
    out: Dict = {}
    started = time.perf_counter()
    bot.actions.start()
    procs.OUR_PGIDS.add(bot.actions.running.pid)
    procs.wait_listening(f"http://127.0.0.1:{bot.actions_port}/health", bot.actions.running,
                         bot.actions.log_path)
    out["actions_startup_s"] = time.perf_counter() - started
    log("starting the clinic bot's Rasa server")
    started = time.perf_counter()
    bot.rasa.start()
    procs.OUR_PGIDS.add(bot.rasa.running.pid)
    procs.wait_listening(bot.url + "/webhooks/rest/", bot.rasa.running, bot.rasa.log_path)
    out["rasa_listening_s"] = time.perf_counter() - started
    out["reply_samples"] = check_replies(bot.url + WEBHOOK, 0)
    out["rasa_startup_s"] = time.perf_counter() - started
    log(f"clinic bot answering after {out['rasa_startup_s']:.1f}s")
    return out


def start_stock(stock: procs.StockAssistant) -> Dict:
    out: Dict = {}
    log("starting the stock assistant's Rasa server")
    started = time.perf_counter()
    stock.start()
    procs.wait_listening(stock.url + "/webhooks/rest/", stock.running, stock.log)
    out["rasa_listening_s"] = time.perf_counter() - started
    out["reply_samples"] = check_replies(stock.url + WEBHOOK, 1)
    out["rasa_startup_s"] = time.perf_counter() - started
    log(f"stock assistant answering after {out['rasa_startup_s']:.1f}s")
    return out


def measure(work_dir: Path, stock: procs.StockAssistant, config: Dict) -> Tuple[Dict, Dict]:
    """Start-ups one at a time (the other server, if up, idle), then held-out NLU,
    warm-up, RSS and the interleaved latency runs with both servers up."""
    (work_dir / "ours").mkdir(exist_ok=True)
    bot = Bot(work_dir / "ours")
    try:
        ours_out = start_ours(bot)
        stock_out = start_stock(stock)
        log("held-out NLU through /model/parse")
        ours_out["nlu"] = nlu_quality.evaluate_bot(bot.parse)
        log("held-out urgency set through /model/parse; held-out conversations over REST")
        ours_out["urgency"] = score_urgency(
            load_urgency_cases(), lambda text: is_urgent_parse(bot.parse(text))).to_dict()
        ours_out["urgency_statements"] = score_urgency(
            load_urgency_cases(URGENCY_STATEMENTS_HELDOUT),
            lambda text: is_urgent_parse(bot.parse(text))).to_dict()
        content = load_content()
        ours_out["conversations"] = run_conversations(
            load_conversations(), bot.send,
            lambda sender: bot.tracker(sender)["slots"].get("treatment_date"), content,
            datetime.datetime.now(content.tz).date(), sender_prefix="bench").to_dict()
        ours = Side("ours", bot.url, 0, {"rasa": os.getpgid(bot.rasa.running.pid),
                                         "actions": os.getpgid(bot.actions.running.pid)})
        theirs = Side("stock", stock.url, 1, {"rasa": os.getpgid(stock.running.pid)})
        for side, out in ((ours, ours_out), (theirs, stock_out)):
            side.warm_up(config)
            for group, mib in side.rss().items():
                out[f"{group}_rss_mib"] = mib
        log("latency runs (ours and stock alternately)")
        latency_suites([ours, theirs], config)
        for side, out in ((ours, ours_out), (theirs, stock_out)):
            out.update(side.out)
            for group, mib in side.rss().items():
                out[f"{group}_rss_after_load_mib"] = mib
    finally:
        bot.stop()
        stock.stop()
    return ours_out, stock_out


# ---------------------------------------------------------------- the table

def ratio(ours: Optional[float], ref: Optional[float]) -> Optional[float]:
    if ours is None or ref is None or not ref or math.isnan(ours) or math.isnan(ref):
        return None
    return ours / ref


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def verdict(ok: Optional[bool]) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "**MISS**")


def build_rows(data: Dict) -> List[List[str]]:
    ours, stock, peer = data["ours"], data["stock"], data["tfidf_peer"]
    nlu = ours["nlu"]
    rows: List[List[str]] = []

    # 1. NLU quality
    for group in ("overall",) + LABEL_GROUPS:
        label = {"overall": "all labels", "faq": "faq/*", "recovery": "recovery/*",
                 "others": "other labels"}[group]
        n = nlu[group]["examples"]
        acc, ref_acc = nlu[group]["accuracy"], peer[group]["accuracy"]
        target = verdict(acc > ref_acc) if group == "overall" else ""
        rows.append([f"NLU accuracy, {label} (n={n})", fmt(acc, 3), fmt(ref_acc, 3),
                     f"{acc - ref_acc:+.3f}", "> TF-IDF peer" if target else "", target])
        f1, ref_f1 = nlu[group]["macro_f1"], peer[group]["macro_f1"]
        rows.append([f"NLU macro-F1, {label}", fmt(f1, 3), fmt(ref_f1, 3), f"{f1 - ref_f1:+.3f}",
                     "", ""])
    rows.append([f"Red-flag recall (n={nlu['red_flag_examples']})", fmt(nlu["red_flag_recall"], 3),
                 fmt(peer["red_flag_recall"], 3), f"{nlu['red_flag_recall'] - peer['red_flag_recall']:+.3f}",
                 "", ""])
    rows.append(["Red-flag false alarms (non-red-flag predicted red_flag)",
                 str(nlu["red_flag_false_alarms"]), str(peer["red_flag_false_alarms"]),
                 f"{nlu['red_flag_false_alarms'] - peer['red_flag_false_alarms']:+d}", "", ""])

    # 1b. Urgency (held-out urgency set) and conversations
    urgency, peer_urgency = ours["urgency"], data["tfidf_peer_urgency"]
    rows.append([f"Urgent recall, held-out urgency set (n={urgency['urgent']})",
                 fmt(urgency["recall"], 3), fmt(peer_urgency["recall"], 3),
                 f"{urgency['recall'] - peer_urgency['recall']:+.3f}", "misses 0",
                 verdict(urgency["misses"] == 0)])
    rows.append(["Miss rate, upper 95% bound (Clopper-Pearson)",
                 fmt(100 * urgency["miss_rate_upper_95"], 2, "%"),
                 fmt(100 * peer_urgency["miss_rate_upper_95"], 2, "%"), "", "< 1%",
                 verdict(urgency["miss_rate_upper_95"] < 0.01)])
    rows.append([f"False alarms on non-urgent messages (n={urgency['not_urgent']})",
                 fmt(100 * urgency["false_alarm_rate"], 1, "%"),
                 fmt(100 * peer_urgency["false_alarm_rate"], 1, "%"), "", "≤ 3%",
                 verdict(urgency["false_alarm_rate"] <= 0.03)])
    plain, peer_plain = ours["urgency_statements"], data["tfidf_peer_urgency_statements"]
    rows.append([f"False alarms on ordinary statements, second held-out set (n={plain['not_urgent']})",
                 fmt(100 * plain["false_alarm_rate"], 1, "%"),
                 fmt(100 * peer_plain["false_alarm_rate"], 1, "%"), "", "≤ 3%",
                 verdict(plain["false_alarm_rate"] <= 0.03)])
    rows.append(["Misses by class", ", ".join(f"{k} {v}" for k, v in
                                              sorted(urgency["misses_by_class"].items())) or "none",
                 ", ".join(f"{k} {v}" for k, v in
                           sorted(peer_urgency["misses_by_class"].items())) or "none", "", "", ""])
    cost = data["urgency_cost"]
    rows.append(["Urgency detector cost per message, rules + classifier (ms, median / p95)",
                 f"{cost['median_ms']:.2f} / {cost['p95_ms']:.2f}", "n/a", "", "≤ 5 ms",
                 verdict(cost["p95_ms"] <= 5.0)])
    talk = ours["conversations"]
    rows.append([f"Held-out conversations passed (n={talk['conversations']}; turns "
                 f"{talk['turns_passed']}/{talk['turns']})", fmt(talk["rate"], 3), "n/a", "",
                 "", ""])

    # 2. Latency and throughput
    for level in data["config"]["levels"]:
        level = str(level)
        for kind in list(KINDS) + ["overall"]:
            o, s = ours["latency"][level][kind], stock["latency"][level][kind]
            if kind == "overall":
                name = f"Latency c={level}, all three kinds pooled: p50 / p95 / p99 ms"
            else:
                name = (f"Latency c={level}, {KIND_TITLES[kind]} \"{KINDS[kind][0]}\" "
                        f"(stock: \"{KINDS[kind][1]}\"): p50 / p95 / p99 ms")
            r = ratio(o["p95_ms"], s["p95_ms"])
            is_target = int(level) == TARGET_LEVEL
            rows.append([name,
                         f"{o['p50_ms']:.0f} / {o['p95_ms']:.0f} / {o['p99_ms']:.0f}",
                         f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} / {s['p99_ms']:.0f}",
                         fmt(r, 2, "x p95"),
                         f"p95 ≤ {P95_RATIO_TARGET}x stock" if is_target else "",
                         verdict(None if r is None else r <= P95_RATIO_TARGET) if is_target else ""])
        o, s = ours["latency"][level]["overall"], stock["latency"][level]["overall"]
        errors = o["errors"] + s["errors"]
        is_target = int(level) == TARGET_LEVEL
        rows.append([f"Throughput c={level} (messages/s{', ' + str(errors) + ' errors' if errors else ''})",
                     fmt(o["throughput_msg_s"]), fmt(s["throughput_msg_s"]),
                     fmt(ratio(o["throughput_msg_s"], s["throughput_msg_s"]), 2, "x"),
                     f"≥ {THROUGHPUT_TARGET:.0f} msg/s" if is_target else "",
                     verdict(o["throughput_msg_s"] >= THROUGHPUT_TARGET) if is_target else ""])

    # 3. Resources
    res = data["resources"]
    rows.append(["Training time (s; ours from models/train-time.txt, stock = `rasa init`)",
                 fmt(res["ours_train_s"]), fmt(res["stock_train_s"]),
                 fmt(ratio(res["ours_train_s"], res["stock_train_s"]), 2, "x"), "", ""])
    rows.append(["Model size (MiB)", fmt(res["ours_model_mib"]), fmt(res["stock_model_mib"]),
                 fmt(ratio(res["ours_model_mib"], res["stock_model_mib"]), 2, "x"), "", ""])
    rows.append(["Rasa server RSS after warm-up (MiB)", fmt(ours["rasa_rss_mib"]),
                 fmt(stock["rasa_rss_mib"]), fmt(ratio(ours["rasa_rss_mib"], stock["rasa_rss_mib"]), 2, "x"),
                 "", ""])
    rows.append(["Action server RSS after warm-up (MiB; stock has none)", fmt(ours["actions_rss_mib"]),
                 "n/a", "", "", ""])
    o_cpu, s_cpu = cpu_ms_per_message(ours, "rasa"), cpu_ms_per_message(stock, "rasa")
    rows.append(["Rasa server CPU per message during the latency runs (ms)", fmt(o_cpu),
                 fmt(s_cpu), fmt(ratio(o_cpu, s_cpu), 2, "x"), "", ""])
    rows.append(["Action server CPU per message during the latency runs (ms)",
                 fmt(cpu_ms_per_message(ours, "actions")), "n/a", "", "", ""])
    rows.append(["Rasa start-up (s, start until the webhook's first reply)",
                 fmt(ours["rasa_startup_s"]), fmt(stock["rasa_startup_s"]),
                 fmt(ratio(ours["rasa_startup_s"], stock["rasa_startup_s"]), 2, "x"), "", ""])
    return rows


def render(data: Dict) -> str:
    header = ["Measure", "Clinic bot", "Reference", "vs reference", "Target", "Result"]
    rows = build_rows(data)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    misses = sum(row[5] == "**MISS**" for row in rows)
    passes = sum(row[5] == "PASS" for row in rows)
    meta = data["meta"]
    notes = [
        "",
        f"Reference: NLU rows = TF-IDF peer ({data['tfidf_peer']['config']}); latency and resource "
        "rows = stock `rasa init` assistant (in-memory tracker, no action server). "
        "c = concurrent conversations, each its own sender id sending one message after another; "
        "messages per kind: " + ", ".join(
            f"c={k}: {v}" + (f" x {data['config'].get('rounds', {}).get(k)} rounds"
                             if data['config'].get('rounds', {}).get(k, 1) > 1 else "")
            for k, v in data["config"]["levels"].items()) + ". "
        "Throughput = messages answered / wall time, over the three kinds. Both servers stay "
        "up during the latency runs, which alternate between them; start-ups are measured "
        "one at a time.",
        f"Run {meta['started']} on {meta['cpus']} CPUs, {meta['mode']} mode, "
        f"{meta['duration_s']:.0f} s; targets: {passes} PASS, {misses} MISS.",
    ]
    stages = data["ours"]["nlu"].get("errors_by_stage")
    if stages:
        notes.append("Clinic bot's held-out errors by the stage that decided them: "
                     + ", ".join(f"{stage} {count}" for stage, count in
                                 sorted(stages.items(), key=lambda kv: -kv[1]))
                     + f" (details in {'bench-quick' if meta['mode'] == 'quick' else 'bench'}.json).")
    thresholds = data["ours"]["nlu"].get("fallback_thresholds")
    if thresholds:
        notes.append(
            f"Fallback threshold (config.yml, now {nlu_quality.fallback_threshold()}) on the "
            "held-out set, answered right / wrong / asked (right topic among the buttons, "
            "answered right before): " + "; ".join(
                f"{row['threshold']:.1f}: {row['answered_right']}/{row['answered_wrong']}/"
                f"{row['asked']} ({row['asked_right_offered']}, {row['asked_was_right']})"
                for row in thresholds) + ".")
    other = meta.get("other_processes") or {}
    if other.get("share_of_machine", 0) > OTHER_CPU_WARNING:
        notes.append(f"**Warning: other processes used {other['cpu_s']:.0f} CPU-seconds "
                     f"({100 * other['share_of_machine']:.0f}% of the machine) during this run, "
                     "so the speed figures are not clean:** " + "; ".join(other["top"]))
    if meta.get("model_changed_during_run"):
        notes.append(f"**Warning: {MODEL.name} was rewritten during this run.**")
    return "\n".join(lines + notes) + "\n"


# ---------------------------------------------------------------- main

def read_train_time() -> Optional[float]:
    try:
        return float(TRAIN_TIME_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: fewer messages, concurrency 1 and 10 only")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder for bench.md and bench.json (default: results/)")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    stem = "bench-quick" if args.quick else "bench"
    wait_for_model()
    began = time.perf_counter()
    model_mtime = MODEL.stat().st_mtime
    competing = procs.other_rasa_processes()
    if competing:
        log("note: other Rasa processes are running (if busy, they slow the figures):\n  "
            + "\n  ".join(competing))
    watch = procs.CompetitionWatch()
    watch.start()
    data: Dict = {"meta": {"started": time.strftime("%Y-%m-%d %H:%M:%S"),
                           "mode": "quick" if args.quick else "full",
                           "cpus": os.cpu_count(), "python": platform.python_version(),
                           "loadavg_at_start": os.getloadavg(),
                           "rasa_processes_at_start": competing},
                  "config": {"levels": config["levels"], "rounds": config.get("rounds", {}),
                             "warmup_messages": config["warmup_messages"],
                             "warmup_concurrency": config["warmup_concurrency"],
                             "kinds": KINDS}}

    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
        work_dir = Path(tmp)
        stock = procs.StockAssistant(work_dir, stock_env())
        log("creating and training the stock assistant (`rasa init --no-prompt`)")
        stock_train_s = stock.init_and_train()
        log(f"stock assistant trained in {stock_train_s:.1f}s; TF-IDF peer")
        data["tfidf_peer"] = nlu_quality.evaluate_tfidf_peer()
        data["tfidf_peer_urgency"] = urgency_quality.evaluate_peer_urgency()
        data["tfidf_peer_urgency_statements"] = urgency_quality.evaluate_peer_urgency(
            URGENCY_STATEMENTS_HELDOUT)
        log("urgency detector cost per message (in-process)")
        data["urgency_cost"] = urgency_quality.detector_cost_ms()
        data["ours"], data["stock"] = measure(work_dir, stock, config)
        data["resources"] = {
            "ours_train_s": read_train_time(),
            "stock_train_s": stock_train_s,
            "ours_model_mib": MODEL.stat().st_size / 2**20,
            "stock_model_mib": stock.find_model().stat().st_size / 2**20,
        }
    data["meta"]["duration_s"] = time.perf_counter() - began
    data["meta"]["other_processes"] = watch.stop()
    data["meta"]["model_changed_during_run"] = MODEL.stat().st_mtime != model_mtime
    data["meta"]["loadavg_at_end"] = os.getloadavg()

    table = render(data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.md").write_text(table)
    (args.out / f"{stem}.json").write_text(json.dumps(data, indent=2, default=str))
    print(table)
    log(f"wrote {args.out / (stem + '.md')} and {args.out / (stem + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
