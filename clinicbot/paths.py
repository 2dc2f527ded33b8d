"""The project's folders, named once."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLINIC_DIR = PROJECT_ROOT / "clinic"
TESTS_DATA_DIR = PROJECT_ROOT / "tests" / "data"
# Reports of the held-out tests and `make bench`.
RESULTS_DIR = PROJECT_ROOT / "results"
