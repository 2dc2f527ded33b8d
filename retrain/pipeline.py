"""`make retrain`: check the sources, train a candidate, judge it, and go live only if no worse.

Steps (each recorded in the report):
1. check the FAQ files, data/nlu and staff annotations (file:line errors; nothing changes)
2. generate Rasa data, quick safety checks against the live model, `rasa data validate`
3. train: Rasa fine-tuning of the live model when only examples changed, a full
   train when labels, answers' keys, config or domain changed
4. evaluate candidate and live model on the held-out set and the annotations
5. gate (clinicbot.quality_gate)
6. activate in the running Rasa server(s) through the HTTP API (PUT /model)
7. the replaced model stays in models/previous/ for `make rollback`
8. write the report (JSON + Markdown) that the staff console shows
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from clinicbot import quality_gate
from clinicbot.content import load_content
from clinicbot.model_quality import read_labelled_examples
from clinicbot.paths import PROJECT_ROOT
from clinicbot.training_data import (Project, RetrainSettings, SourceError, checked_sources,
                                     load_settings, write_generated)
from retrain import activation, report
from retrain.models import ModelStore, facts, manifest_for
from retrain.models import write_json_atomically as _write_json

EXIT_ACTIVATED, EXIT_FAILED, EXIT_SOURCE_PROBLEMS, EXIT_REJECTED = 0, 1, 2, 3


@dataclass
class Run:
    project: Project
    config: Path
    rasa_urls: Sequence[str]
    jwt_secret: Optional[str]  # Rasa's --jwt-secret, to sign PUT /model
    force: bool = False
    # microseconds: two runs in one second must not share a report
    run_id: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc)
                        .strftime("%Y%m%d-%H%M%S-%f"))
    data: Dict[str, Any] = field(default_factory=dict)  # the run's JSON report

    @property
    def var(self) -> Path:
        return self.project.root / "var" / "retrain"

    @property
    def run_dir(self) -> Path:
        return self.project.root / "build" / "retrain" / self.run_id

    @property
    def store(self) -> ModelStore:
        return ModelStore(self.project.root / "models")

    def step(self, name: str) -> None:
        print(f"[retrain] {name}", flush=True)
        self.data.setdefault("steps", []).append({"step": name, "at": _now()})
        _write_json(self.var / "status.json", {"state": "running", "run_id": self.run_id,
                                               "step": name, "pid": os.getpid()})


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@contextmanager
def exclusive(var: Path) -> Iterator[None]:
    var.mkdir(parents=True, exist_ok=True)
    with open(var / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError("another retrain is running; wait for it to finish") from None
        yield


def _rasa(*args: str, log: Path, cwd: Path) -> int:
    rasa = Path(sys.executable).with_name("rasa")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ rasa {' '.join(args)}\n")
        out.flush()
        # Patients' data: no telemetry or crash reports leave the machine. The
        # custom components are imported from this checkout even when the
        # project being retrained is elsewhere.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(cwd)]),
               "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
               "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        return subprocess.run([str(rasa), *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                              env=env).returncode


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def evaluation_sets(run: Run, settings: RetrainSettings, sources) -> Dict[str, List]:
    root = run.project.root
    heldout = read_labelled_examples([root / name for name in settings.evaluation_sets], root)
    sets = {"held-out test set": heldout}
    if sources.annotations:
        sets["staff annotations"] = [(e.text, e.label) for e in sources.annotations]
    return sets


def retrain(run: Run) -> int:
    started = time.monotonic()
    run.data.update({"run_id": run.run_id, "started": _now(), "config": str(run.config)})
    try:
        with exclusive(run.var):
            code = _retrain(run)
    except RuntimeError as error:
        print(f"[retrain] {error}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # the report must still say what happened
        run.data.update({"outcome": "failed", "summary": f"retrain failed: {error!r}"})
        code = EXIT_FAILED
    run.data.update({"finished": _now(), "seconds": round(time.monotonic() - started, 1)})
    written = report.write(run.var / "reports", run.run_id, run.data)
    _write_json(run.var / "status.json", {"state": "finished", "run_id": run.run_id,
                                          "outcome": run.data.get("outcome"), "exit_code": code})
    print(f"[retrain] {run.data.get('summary')}\n[retrain] report: {written}", flush=True)
    return code


def _retrain(run: Run) -> int:
    root = run.project.root
    store = run.store
    live_manifest = store.manifest(store.live) if store.live.exists() else None

    run.step("1. check the training sources")
    content = load_content(run.project.content_file)
    try:
        settings = load_settings(run.project)
        sources = checked_sources(run.project, render=content.render)
        sets = evaluation_sets(run, settings, sources)
    except SourceError as error:
        run.data.update({"outcome": "source problems", "problems": error.problems,
                         "summary": f"{len(error.problems)} problem(s) in the training sources; "
                                    "nothing was changed"})
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_SOURCE_PROBLEMS
    manifest = manifest_for(run.project, run.config, sources, content, run_id=run.run_id)
    run.data["changes"] = report.changes(live_manifest, manifest)
    if live_manifest and live_manifest.get("sources_fingerprint") == \
            manifest["sources_fingerprint"] and not run.force:
        run.data.update({"outcome": "unchanged",
                         "summary": "nothing changed since the live model; no retrain needed"})
        return EXIT_ACTIVATED

    run.step("2. generate Rasa data and check it")
    write_generated(run.project, sources, content)
    if live_manifest is not None:
        early = quality_gate.check_sources(facts(live_manifest), facts(manifest))
        run.data["gate"] = [vars(check) for check in early.checks]
        if not early.accepted:
            return _rejected(run, early)
    log = run.run_dir / "rasa.log"
    if _rasa("data", "validate", "--domain", "domain.yml", "--data", "data",
             "--config", str(run.config), log=log, cwd=root) != 0:
        run.data.update({"outcome": "failed", "log": _tail(log),
                         "summary": "Rasa's data check (rasa data validate) failed; see the log"})
        return EXIT_FAILED

    run.step("3. train the candidate")
    mode, why = _training_mode(live_manifest, manifest)
    candidate = run.run_dir / "clinic-bot.tar.gz"
    train_args = ["train", "--config", str(run.config), "--domain", "domain.yml", "--data",
                  "data", "--out", str(run.run_dir), "--fixed-model-name", "clinic-bot",
                  "--force"]
    train_started = time.monotonic()
    if mode == "fine-tune":
        code = _rasa(*train_args, "--finetune", str(store.live), "--epoch-fraction",
                     str(settings.finetune_epoch_fraction), log=log, cwd=root)
        if code != 0:
            mode, why = "full", "Rasa could not fine-tune the live model, so a full train ran"
    if mode == "full":
        code = _rasa(*train_args, log=log, cwd=root)
    run.data["training"] = {"mode": mode, "why": why,
                            "seconds": round(time.monotonic() - train_started, 1)}
    if code != 0 or not candidate.exists():
        run.data.update({"outcome": "failed", "log": _tail(log),
                         "summary": "training failed; the live model is unchanged"})
        return EXIT_FAILED
    store.write_manifest(candidate, {**manifest, "training": run.data["training"]})

    run.step("4. evaluate the candidate and the live model")
    from retrain.evaluate import evaluate  # imports Rasa: only when there is a model to run
    cache = run.var / "evaluations"
    new_results = evaluate(candidate, sets, cache)
    run.data["candidate"] = report.scores(new_results)
    if live_manifest is not None:
        live_results = evaluate(store.live, sets, cache)
        run.data["live"] = report.scores(live_results)
    else:
        live_results = {}

    run.step("5. gate")
    decision = quality_gate.check_evaluation(live_results, new_results,
                                             settings.max_accuracy_drop)
    run.data["gate"] = run.data.get("gate", []) + [vars(c) for c in decision.checks]
    if not decision.accepted:
        return _rejected(run, decision)

    run.step("6. activate")
    store.install(candidate)
    results = activation.activate(run.rasa_urls, run.jwt_secret, store.live)
    run.data["activation"] = results
    failed = [r for r in results if r["status"] == "failed"]
    if failed:
        store.swap_with_previous()
        activation.activate([r["url"] for r in results if r["status"] == "activated"],
                            run.jwt_secret, store.live)
        run.data.update({"outcome": "activation failed",
                         "summary": "the new model passed the gate but a server refused it; "
                                    "the previous model is live again: " +
                                    "; ".join(f"{r['url']}: {r['detail']}" for r in failed)})
        return EXIT_FAILED
    run.step("7. previous model kept for rollback")
    run.data["previous_model"] = str(store.previous.relative_to(root)) \
        if store.previous.exists() else None
    where = ", ".join(f"{r['url']} ({r['status']})" for r in results) or "no server configured"
    run.data.update({"outcome": "activated",
                     "summary": f"the new model passed every check and is live: {where}"})
    return EXIT_ACTIVATED


def _training_mode(live: Optional[Dict], candidate: Dict) -> tuple:
    if live is None:
        return "full", "there is no live model yet"
    if live.get("config_sha256") != candidate["config_sha256"]:
        return "full", "the training configuration changed"
    added = sorted(set(candidate["labels"]) - set(live["labels"]))
    removed = sorted(set(live["labels"]) - set(candidate["labels"]))
    if added or removed:
        return "full", "labels changed (" + ", ".join(
            [f"+{label}" for label in added] + [f"-{label}" for label in removed]) + ")"
    return "fine-tune", "only examples or answers changed, so the live model was fine-tuned"


def _rejected(run: Run, decision: quality_gate.Decision) -> int:
    run.data.update({"outcome": "rejected", "reasons": decision.reasons,
                     "summary": "not activated; the live model is unchanged. " +
                                " ".join(decision.reasons)})
    for reason in decision.reasons:
        print(f"  rejected: {reason}", file=sys.stderr)
    return EXIT_REJECTED


def rollback(project: Project, rasa_urls: Sequence[str], jwt_secret: Optional[str]) -> int:
    store = ModelStore(project.root / "models")
    try:
        store.swap_with_previous()
    except FileNotFoundError as error:
        print(f"[rollback] {error}", file=sys.stderr)
        return EXIT_FAILED
    results = activation.activate(rasa_urls, jwt_secret, store.live)
    for result in results:
        print(f"[rollback] {result['url']}: {result['status']} {result['detail']}")
    manifest = store.manifest(store.live) or {}
    print(f"[rollback] live model is now the one from run {manifest.get('run_id', 'unknown')}; "
          "run `make rollback` again to undo")
    return EXIT_FAILED if any(r["status"] == "failed" for r in results) else EXIT_ACTIVATED
