"""The clinic's editable training sources, checked and turned into Rasa data.

Sources (all plain YAML a non-developer can edit):
- clinic/faqs/<key>.yml: one FAQ each, with its answer and example questions.
  These are the single source of truth for FAQs.
- data/nlu/*.yml: the other labels (recovery topics, red flags, chit-chat),
  in Rasa's own NLU format.
- clinic/annotations/*.yml: corrections exported from the staff console, in
  Rasa's NLU format.

`check` finds every problem at once and names file and line, so a clinic
fixes them in one pass; `generate` writes data/generated/ only when the
sources are clean, and rewrites a file only when its text changes (so `make`
does not retrain for nothing).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from clinicbot.files import write_text_atomically
from clinicbot import nlu_format
from clinicbot.paths import PROJECT_ROOT

FAQ_FIELDS = ("key", "answer", "examples")
FAQ_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
RETRIEVAL_INTENTS = ("faq", "recovery")


@dataclass(frozen=True)
class Location:
    path: str  # as the clinic knows it: relative to the project
    line: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    where: Location
    # Marked `metadata: {urgency_only: true}`: the urgency classifier learns
    # from it, the intent classifier does not.
    urgency_only: bool = False


@dataclass(frozen=True)
class Faq:
    key: str
    answer: str
    examples: Tuple[Example, ...]
    where: Location

    @property
    def label(self) -> str:
        return f"faq/{self.key}"


@dataclass(frozen=True)
class RetrainSettings:
    """clinic/retrain.yml: how sources are checked and a new model is judged."""
    min_examples_per_faq: int = 8
    finetune_epoch_fraction: float = 0.5
    max_accuracy_drop: float = 0.0
    evaluation_sets: Tuple[str, ...] = ("tests/data/nlu_heldout.yml",)


@dataclass
class Sources:
    faqs: Dict[str, Faq] = field(default_factory=dict)
    other_examples: List[Example] = field(default_factory=list)   # data/nlu
    annotations: List[Example] = field(default_factory=list)      # before de-duplication
    problems: List[str] = field(default_factory=list)

    def faq_examples(self) -> List[Example]:
        return [e for faq in self.faqs.values() for e in faq.examples]

    def examples(self) -> List[Example]:
        """Every training example: FAQs, data/nlu, then new annotations."""
        return self.faq_examples() + self.other_examples + self.new_annotations()

    def new_annotations(self) -> List[Example]:
        """Annotations that do not repeat an example already in the training data."""
        seen = {normalise(e.text) for e in self.faq_examples() + self.other_examples}
        fresh = []
        for example in self.annotations:
            if normalise(example.text) not in seen:
                seen.add(normalise(example.text))
                fresh.append(example)
        return fresh

    def labels(self) -> List[str]:
        return sorted({e.label for e in self.examples()})


class SourceError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def normalise(text: str) -> str:
    """Two examples that differ only in case, spacing or end punctuation are the same."""
    return " ".join(text.casefold().split()).rstrip(" ?!.")


def _shown(path: Path, root: Path = PROJECT_ROOT) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --- reading YAML with line numbers -------------------------------------------------

# libyaml's loader keeps the line marks we report and reads the training data about ten
# times faster; the pure-Python one stands in where PyYAML was built without libyaml.
_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

def _compose(path: Path, shown: str, problems: List[str]) -> Optional[yaml.Node]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{shown}: cannot read the file: {error}")
        return None
    try:
        return yaml.compose(text, Loader=_FAST_SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        problems.append(f"{shown}{line}: not valid YAML ({reason}). "
                        "Check the indentation and quotes on this line and the one before.")
        return None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node) -> Dict[str, yaml.Node]:
    return {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _key_lines(node: yaml.Node) -> Dict[str, int]:
    return {key.value: _line(key) for key, _ in node.value if isinstance(key, yaml.ScalarNode)}


def _plain_string(node: yaml.Node) -> Optional[str]:
    """A scalar's text as written (numbers and booleans too); None for lists and maps."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


# --- FAQ files ------------------------------------------------------------------------

def load_faq(path: Path, min_examples: int, problems: List[str],
             root: Path = PROJECT_ROOT) -> Optional[Faq]:
    shown = _shown(path, root)
    before = len(problems)
    node = _compose(path, shown, problems)
    if node is None:
        if len(problems) == before:
            problems.append(f"{shown}: the file is empty; it needs key, answer and examples")
        return None
    where = Location(shown, _line(node))
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{where}: an FAQ file must have the fields {', '.join(FAQ_FIELDS)}")
        return None
    fields, lines = _mapping(node), _key_lines(node)
    for name in fields:
        if name not in FAQ_FIELDS:
            problems.append(f"{Location(shown, lines[name])}: unknown field '{name}'; "
                            f"an FAQ has only {', '.join(FAQ_FIELDS)}")
    key_node = fields.get("key")
    key = _plain_string(key_node) if key_node is not None else None
    if key is None:
        problems.append(f"{where}: missing 'key' (it must be the file name, here '{path.stem}')")
    elif not FAQ_KEY.match(key):
        problems.append(f"{Location(shown, lines['key'])}: key '{key}' must be lower-case "
                        "letters, digits and _ (like pregnancy or results_timing)")
    elif key != path.stem:
        problems.append(f"{Location(shown, lines['key'])}: key '{key}' must match the "
                        f"file name '{path.name}'")
    answer_node = fields.get("answer")
    answer = _plain_string(answer_node) if answer_node is not None else None
    if answer is None or not answer.strip():
        line = Location(shown, lines["answer"]) if answer_node is not None else where
        problems.append(f"{line}: missing answer: write the reply patients should get "
                        "under 'answer:'")
    examples_node = fields.get("examples")
    examples: List[Example] = []
    if examples_node is None:
        problems.append(f"{where}: missing 'examples': list how patients ask this question")
    elif not isinstance(examples_node, yaml.SequenceNode):
        problems.append(f"{Location(shown, lines['examples'])}: 'examples' must be a list, "
                        "one question per line starting with '- '")
    else:
        label = f"faq/{key or path.stem}"
        for item in examples_node.value:
            text = _plain_string(item)
            at = Location(shown, _line(item))
            if text is None or not text.strip():
                problems.append(f"{at}: an example must be a line of text")
                continue
            examples.append(Example(" ".join(text.split()), label, at))
        if len(examples) < min_examples:
            problems.append(f"{Location(shown, lines['examples'])}: only {len(examples)} "
                            f"example questions; write at least {min_examples}, phrased the "
                            "different ways patients ask")
    if len(problems) > before or key is None or answer is None:
        return None
    return Faq(key, answer.strip(), tuple(examples), where)


def load_faqs(directory: Path, min_examples: int, problems: List[str],
              root: Path = PROJECT_ROOT) -> Dict[str, Faq]:
    faqs: Dict[str, Faq] = {}
    paths = sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml"))
    if not paths:
        problems.append(f"{_shown(directory, root)}: no FAQ files (*.yml) found")
    for path in paths:
        faq = load_faq(path, min_examples, problems, root)
        if faq is not None:
            faqs[faq.key] = faq
    return faqs


# --- Rasa NLU files (data/nlu, annotations, held-out sets) ------------------------------

def _urgency_only(metadata: Optional[yaml.Node]) -> bool:
    if not isinstance(metadata, yaml.MappingNode):
        return False
    flag = _mapping(metadata).get("urgency_only")
    return isinstance(flag, yaml.ScalarNode) and flag.value.lower() == "true"


def load_nlu_examples(path: Path, problems: List[str], root: Path = PROJECT_ROOT) -> List[Example]:
    """Examples of every `- intent:` block, each with its own line number."""
    shown = _shown(path, root)
    node = _compose(path, shown, problems)
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode) or "nlu" not in _mapping(node):
        problems.append(f"{shown}:1: expected Rasa NLU data (a top-level 'nlu:' list)")
        return []
    blocks = _mapping(node)["nlu"]
    if isinstance(blocks, yaml.ScalarNode) and blocks.value in ("", "null", "~"):
        return []
    if not isinstance(blocks, yaml.SequenceNode):
        problems.append(f"{Location(shown, _line(blocks))}: 'nlu' must be a list of blocks")
        return []
    found: List[Example] = []
    for block in blocks.value:
        if not isinstance(block, yaml.MappingNode):
            problems.append(f"{Location(shown, _line(block))}: expected '- intent: NAME'")
            continue
        fields = _mapping(block)
        if "intent" not in fields:
            continue  # synonyms, regexes and lookups carry no labelled examples
        label = _plain_string(fields["intent"]) or ""
        examples = fields.get("examples")
        if examples is None or not isinstance(examples, yaml.ScalarNode):
            problems.append(f"{Location(shown, _line(block))}: intent '{label}' needs "
                            "'examples: |' followed by '- example' lines")
            continue
        urgency_only = _urgency_only(fields.get("metadata"))
        first_line = _line(examples) + (1 if examples.style in ("|", ">") else 0)
        for offset, raw in enumerate(examples.value.splitlines()):
            stripped = raw.strip()
            if not stripped:
                continue
            at = Location(shown, first_line + offset)
            if not stripped.startswith("- ") or not stripped[2:].strip():
                problems.append(f"{at}: an example line must start with '- '")
                continue
            found.append(Example(" ".join(stripped[2:].split()), label, at, urgency_only))
    return found


# --- checks ---------------------------------------------------------------------------

def domain_intents(domain_path: Path) -> List[str]:
    with open(domain_path, encoding="utf-8") as handle:
        domain = yaml.safe_load(handle) or {}
    names = []
    for item in domain.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return names


def _check_labels(sources: Sources, intents: Sequence[str]) -> None:
    known_retrieval = {e.label for e in sources.other_examples if "/" in e.label}
    known_retrieval |= {faq.label for faq in sources.faqs.values()}
    for example in sources.other_examples + sources.annotations:
        label = example.label
        if "/" in label:
            group = label.split("/", 1)[0]
            if group not in intents:
                sources.problems.append(f"{example.where}: unknown label '{label}' "
                                        f"('{group}' is not an intent in domain.yml)")
            elif group == "faq" and label not in known_retrieval:
                sources.problems.append(f"{example.where}: '{label}' has no FAQ file; add "
                                        f"clinic/faqs/{label.split('/', 1)[1]}.yml or fix the label")
            elif label not in known_retrieval:
                sources.problems.append(f"{example.where}: unknown label '{label}'")
        elif label in RETRIEVAL_INTENTS:
            sources.problems.append(f"{example.where}: '{label}' needs a sub-label, like "
                                    f"{label}/something")
        elif label not in intents:
            sources.problems.append(f"{example.where}: unknown label '{label}' (not an intent "
                                    "in domain.yml)")


def _check_duplicates(sources: Sources) -> None:
    """The same question twice under one label is a slip; under two labels it
    teaches the model a contradiction. Annotations that repeat an example with
    the same label are fine: they are de-duplicated."""
    first: Dict[str, Example] = {}
    for example in sources.faq_examples() + sources.other_examples:
        key = normalise(example.text)
        earlier = first.get(key)
        if earlier is None:
            first[key] = example
        elif earlier.label == example.label:
            sources.problems.append(f"{example.where}: duplicate example '{example.text}' "
                                    f"(already at {earlier.where})")
        else:
            sources.problems.append(f"{example.where}: example '{example.text}' is under "
                                    f"{example.label} here and under {earlier.label} at "
                                    f"{earlier.where}; keep it under one label only")
    for example in sources.annotations:
        key = normalise(example.text)
        earlier = first.get(key)
        if earlier is None:
            first[key] = example
        elif earlier.label != example.label:
            sources.problems.append(f"{example.where}: correction '{example.text}' says "
                                    f"{example.label}, but {earlier.where} says {earlier.label}; "
                                    "fix one of them")


def _check_answers_render(sources: Sources, render) -> None:
    for faq in sources.faqs.values():
        try:
            render(faq.answer)
        except ValueError as error:
            sources.problems.append(f"{faq.where}: the answer of '{faq.key}' cannot be filled "
                                    f"in: {error}")


# --- the whole project ----------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    root: Path = PROJECT_ROOT

    @property
    def faq_dir(self) -> Path:
        return self.root / "clinic" / "faqs"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "clinic" / "annotations"

    @property
    def nlu_dir(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def generated_dir(self) -> Path:
        return self.root / "data" / "generated"

    @property
    def settings_file(self) -> Path:
        return self.root / "clinic" / "retrain.yml"

    @property
    def content_file(self) -> Path:
        return self.root / "clinic" / "clinic.yml"


def load_settings(project: Project) -> RetrainSettings:
    path = project.settings_file
    if not path.exists():
        return RetrainSettings()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    defaults = RetrainSettings()
    try:
        return RetrainSettings(
            min_examples_per_faq=int(data.get("min_examples_per_faq",
                                              defaults.min_examples_per_faq)),
            finetune_epoch_fraction=float(data.get("finetune_epoch_fraction",
                                                   defaults.finetune_epoch_fraction)),
            max_accuracy_drop=float(data.get("max_accuracy_drop", defaults.max_accuracy_drop)),
            evaluation_sets=tuple(data.get("evaluation_sets", defaults.evaluation_sets)),
        )
    except (TypeError, ValueError) as error:
        raise SourceError([f"{_shown(path, project.root)}: {error}"]) from None


def load_sources(project: Project = Project(), render=None) -> Sources:
    """Reads and checks every source; problems are collected, not raised."""
    settings = load_settings(project)
    sources = Sources()
    root = project.root
    sources.faqs = load_faqs(project.faq_dir, settings.min_examples_per_faq, sources.problems,
                             root)
    for path in sorted(project.nlu_dir.glob("*.yml")):
        sources.other_examples += load_nlu_examples(path, sources.problems, root)
    if project.annotations_dir.exists():
        for path in sorted(project.annotations_dir.glob("*.yml")):
            sources.annotations += load_nlu_examples(path, sources.problems, root)
    _check_labels(sources, domain_intents(project.root / "domain.yml"))
    _check_duplicates(sources)
    if render is not None:
        _check_answers_render(sources, render)
    return sources


def checked_sources(project: Project = Project(), render=None) -> Sources:
    sources = load_sources(project, render)
    if sources.problems:
        raise SourceError(sources.problems)
    return sources


def nlu_yaml(examples: Iterable[Example], source: str) -> str:
    """A generated NLU file's text, its header naming the source to edit instead."""
    return nlu_format.nlu_yaml(((e.label, e.text) for e in examples), [
        f"GENERATED by `python -m clinicbot.training_data generate` from {source}.",
        "Do not edit: change the source and run `make retrain`.",
    ])


def write_if_changed(target: Path, body: str) -> bool:
    if target.exists() and target.read_text(encoding="utf-8") == body:
        return False
    write_text_atomically(target, body)
    return True


def faq_answers(sources: Sources) -> Mapping[str, str]:
    return {key: faq.answer for key, faq in sources.faqs.items()}


def generate(project: Project = Project()) -> List[Path]:
    """Checks everything first; writes nothing unless all sources are clean."""
    from clinicbot.content import load_content

    content = load_content(project.content_file)
    return write_generated(project, checked_sources(project, render=content.render), content)


def write_generated(project: Project, sources: Sources, content) -> List[Path]:
    """Rasa data from sources already checked; returns the files whose text changed."""
    from clinicbot.render_responses import responses_yaml

    outputs = {
        project.generated_dir / "faq_nlu.yml": nlu_yaml(sources.faq_examples(), "clinic/faqs/"),
        project.generated_dir / "annotations_nlu.yml":
            nlu_yaml(sources.new_annotations(), "clinic/annotations/"),
        project.generated_dir / "responses.yml": responses_yaml(content, faq_answers(sources)),
    }
    return [path for path, body in outputs.items() if write_if_changed(path, body)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clinicbot.training_data",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("check", "generate"))
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    try:
        if args.command == "check":
            from clinicbot.content import load_content
            sources = checked_sources(project, render=load_content(project.content_file).render)
            print(f"OK: {len(sources.faqs)} FAQs, {len(sources.examples())} examples, "
                  f"{len(sources.labels())} labels")
        else:
            changed = generate(project)
            print("wrote " + ", ".join(_shown(p, project.root) for p in changed) if changed
                  else "generated data unchanged")
    except SourceError as error:
        print(f"{len(error.problems)} problem(s) in the training sources; nothing was changed:",
              file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except ValueError as error:  # the clinic content file itself
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
