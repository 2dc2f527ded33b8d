"""What the README says about the layout, checked in code.

Imports are read with `ast` (nothing is imported), so the checks take well
under a second and also see imports inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from clinicbot.paths import PROJECT_ROOT as ROOT

# The JavaScript the patient's browser runs; README: bot and patient text is
# always shown as text, never parsed as HTML.
WIDGET_SCRIPTS = sorted((ROOT / "widget").glob("*.js"))
HTML_SINKS = re.compile(r"\b(?:innerHTML|outerHTML|insertAdjacentHTML|document\.write(?:ln)?)\b")
# __file__'s grandparent, however it is spelt; clinicbot/paths.py names it once.
PROJECT_ROOT_BY_HAND = re.compile(r"__file__.*(?:\.parents\[\d\]|\.parent\.parent)")


def python_files(folder: str) -> List[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth,
    and of importlib.import_module / __import__ calls with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def imports_of(folder: str, forbidden: Tuple[str, ...]) -> List[str]:
    """Every import under `folder` of a forbidden top-level package, as file:line module."""
    found = []
    for path in python_files(folder):
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_the_checked_folders_exist():
    # A renamed folder would otherwise make the checks below pass on nothing.
    assert len(python_files("clinicbot")) > 10
    assert len(python_files("benchmarks")) > 3
    assert WIDGET_SCRIPTS


def test_domain_logic_never_imports_rasa():
    assert imports_of("clinicbot", ("rasa", "rasa_sdk")) == []


def test_benchmarks_never_import_the_tests():
    assert imports_of("benchmarks", ("tests",)) == []


def test_only_clinicbot_paths_works_out_the_project_root():
    # Two places that each find the root drift apart when a file moves.
    code_folders = (
        "actions",
        "benchmarks",
        "channels",
        "clinicbot",
        "components",
        "console",
        "deploy",
        "harness",
        "retrain",
        "scripts",
        "tests",
        "tracker",
        "widget",
    )
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in code_folders
        for path in python_files(folder)
        if path != ROOT / "clinicbot" / "paths.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PROJECT_ROOT_BY_HAND.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("script", WIDGET_SCRIPTS, ids=lambda path: path.name)
def test_widget_never_parses_text_as_html(script: Path):
    uses = [
        f"{script.name}:{number}: {line.strip()}"
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), start=1)
        if HTML_SINKS.search(line)
    ]
    assert uses == []


def test_the_import_reader_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import rasa.core\n"
        "from rasa_sdk import Action\n"
        "def later():\n"
        "    import importlib\n"
        "    importlib.import_module('rasa.shared')\n"
        "from . import sibling\n"
    )
    assert [module for _, module in imported_modules(sample)] == [
        "rasa.core",
        "rasa_sdk",
        "importlib",
        "rasa.shared",
    ]
