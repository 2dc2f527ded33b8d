"""Numeric settings read from the environment, checked and worded the same way everywhere.

The alerts worker (alerts/settings.py), the staff console (console/config.py)
and the widget server (widget/serve.py) each read numbers such as timeouts and
limits from environment variables. They used to have a copy each of this
parser. Each copy worded its errors differently, and only one rejected "nan".
This is the one copy now. It tells the clinic which variable is wrong, what it
must be and what it was set to. It is plain Python without Rasa or Flask,
because the widget server runs on the standard library plus clinicbot.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional

__all__ = ["number_setting"]


def number_setting(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    at_least: Optional[float] = None,
    above: Optional[float] = None,
    at_most: Optional[float] = None,
    error: Callable[[str], Exception] = ValueError,
) -> float:
    """`env[name]` as a number, or `default` (as given, unchecked) when unset or blank.

    A value that is not a number, or is outside the bounds given (`at_least`
    and `at_most` inclusive, `above` exclusive), raises `error`, the caller's
    own configuration error, e.g. "ALERTS_POLL_SECONDS must be between 0.05
    and 60, got '0'". "nan" is never within bounds.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name} must be a number, got {raw!r}") from None
    # Written as what a good value satisfies, so that NaN (which compares false) fails.
    within = (
        (at_least is None or value >= at_least)
        and (above is None or value > above)
        and (at_most is None or value <= at_most)
    )
    if not within:
        raise error(f"{name} must be {_bounds(at_least, above, at_most)}, got {raw!r}")
    return value


def _bounds(at_least: Optional[float], above: Optional[float], at_most: Optional[float]) -> str:
    """The bounds in words: "between 1 and 60", "at least 1", "more than 0", ..."""
    if at_least is not None and at_most is not None and above is None:
        return f"between {at_least:g} and {at_most:g}"
    words = []
    if at_least is not None:
        words.append(f"at least {at_least:g}")
    if above is not None:
        words.append(f"more than {above:g}")
    if at_most is not None:
        words.append(f"at most {at_most:g}")
    return " and ".join(words)
