"""python -m retrain run|rollback|manifest (the Makefile's retrain, rollback and model)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from clinicbot.content import load_content
from clinicbot.paths import PROJECT_ROOT
from clinicbot.training_data import Project, SourceError, checked_sources


def rasa_urls() -> List[str]:
    configured = os.environ.get("RASA_URLS")
    if configured:
        return [url.strip() for url in configured.split(",") if url.strip()]
    return [f"http://{os.environ.get('RASA_HOST', '127.0.0.1')}:"
            f"{os.environ.get('RASA_PORT', '5005')}"]


def rasa_jwt_secret(root: Path) -> Optional[str]:
    """RASA_JWT_SECRET, else the file scripts/run.sh made for the project's Rasa."""
    from clinicbot.rasa_api import RasaApiError, jwt_secret

    default_file = str(root / "var" / "rasa-jwt-secret")
    try:
        return jwt_secret({**os.environ,
                           "RASA_JWT_SECRET_FILE": os.environ.get("RASA_JWT_SECRET_FILE")
                           or default_file})
    except RasaApiError:
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrain")
    parser.add_argument("command", choices=("run", "rollback", "manifest"))
    parser.add_argument("model", nargs="?", help="manifest: the model file to describe")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--config", type=Path, default=None,
                        help="training config (default: config.yml in the project)")
    parser.add_argument("--force", action="store_true", help="retrain even if nothing changed")
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    config = (args.config or project.root / "config.yml").resolve()
    if args.command == "manifest":
        from retrain.models import ModelStore, manifest_for
        content = load_content(project.content_file)
        try:
            sources = checked_sources(project, render=content.render)
        except SourceError as error:
            print("\n".join(error.problems), file=sys.stderr)
            return 2
        model = Path(args.model or project.root / "models" / "clinic-bot.tar.gz")
        ModelStore(model.parent).write_manifest(
            model, manifest_for(project, config, sources, content, run_id="make model"))
        return 0
    from retrain.pipeline import Run, retrain, rollback
    if args.command == "rollback":
        return rollback(project, rasa_urls(), rasa_jwt_secret(project.root))
    return retrain(Run(project, config, rasa_urls(), rasa_jwt_secret(project.root), args.force))


if __name__ == "__main__":
    sys.exit(main())
