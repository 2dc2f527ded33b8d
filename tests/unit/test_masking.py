"""Phone numbers and email addresses are masked in lists and exports (console/masking.py)."""
import pytest

from console.masking import mask, region_for


@pytest.mark.parametrize("text, expected", [
    ("please call me on 07700 900123 or email jane.doe@example.com",
     "please call me on 07*** ***123 or email j***@example.com"),
    # Found by the outside test: these got through before.
    ("on07700900123", "on07******123"),
    ("07700/900123", "07***/***123"),
    ("7946 0321", "79** *321"),
    ("jané@exämple.com", "j***@exämple.com"),
    # International form and other separators.
    ("+44 7700 900123", "+44 **** ***123"),
    ("call 020 7946 0321.", "call 02* **** *321."),
    ("ref07700900123456789x", "ref07************789x"),
    ("mail: a.b+c@sub.example.co.uk!", "mail: a***@sub.example.co.uk!"),
])
def test_phones_and_emails_are_masked(text, expected):
    assert mask(text, "GB") == expected


@pytest.mark.parametrize("text", [
    "treatment on 2026-11-18 at 14:30", "10/11/2025 14:30", "10.11.2025", "3 days ago, £1,200",
    "since 2024 I had 3 sessions", "wait 30 minutes", "",
])
def test_dates_times_and_small_numbers_are_kept(text):
    assert mask(text, "GB") == text


def test_at_most_five_digits_of_a_number_stay_visible():
    for text in ("on07700900123", "07700/900123", "7946 0321", "+44 20 7946 0321"):
        assert sum(c.isdigit() for c in mask(text, "GB")) <= 5, mask(text, "GB")
    assert "jané" not in mask("jané@exämple.com")


def test_region_comes_from_the_clinic():
    assert region_for("020 7946 0321", "Europe/London") == "GB"  # the clinic file's phone
    assert region_for("+1 212 555 0100") == "US"
    assert region_for("01 23 45 67 89", "Europe/Paris") == "FR"
    assert region_for("020 7946 0321", "Europe/London", configured="ie") == "IE"
    assert region_for("", "") == "GB"


def test_settings_take_the_region_from_the_clinic_file():
    from console.config import ConsoleSettings

    assert ConsoleSettings.from_env({}, need_secret=False).phone_region == "GB"
