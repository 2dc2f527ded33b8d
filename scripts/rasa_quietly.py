"""The `rasa` command without the libraries' DeprecationWarnings (scripts/run.sh,
unless VERBOSE=1).

    .venv/bin/python scripts/rasa_quietly.py run actions --actions actions

Two filters put every library's notices about its own dependencies
(pkg_resources, jax, pyparsing, click, ...) on the terminal: sanic adds
`filterwarnings("once", category=DeprecationWarning)` when it is imported, and
Rasa's start-up adds `filterwarnings("once", category=UserWarning)`, which
pyparsing's deprecation warnings also are. -W options and PYTHONWARNINGS
cannot override them, because they are added later, in front. So the filters
for the noisy libraries are added here, by module, right after Rasa sets up
its own: a DeprecationWarning raised from our code still shows, and so does
every other kind of warning.
"""

import re
import sys
import warnings

import rasa.utils.common

# The packages the warnings are raised from (not necessarily the deprecated API's owner).
NOISY_PACKAGES = (
    "matplotlib",
    "packaging",
    "pkg_resources",
    "rasa",
    "sanic_cors",
    "spacy",
    "tensorflow",
    "typer",
)


def quiet_library_deprecations() -> None:
    packages = "|".join(re.escape(name) for name in NOISY_PACKAGES)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=rf"(?:{packages})(?:\.|$)")


def after_rasas_filters(rasa_filter_warnings):
    def filter_warnings(*args, **kwargs):
        rasa_filter_warnings(*args, **kwargs)
        quiet_library_deprecations()

    return filter_warnings


if __name__ == "__main__":
    import sanic  # noqa: F401 - its filter is added on import, so before ours

    quiet_library_deprecations()
    # Rasa 3.6's configure_logging_and_warnings() calls this module-level
    # function; wrapping it puts our filters back in front of Rasa's.
    rasa.utils.common._filter_warnings = after_rasas_filters(rasa.utils.common._filter_warnings)
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    main()
