"""The level rule alone: quiet under half the capacity, busy from half, full from all of it."""

import pytest

from stationfinder.services.busy import levels


@pytest.mark.parametrize(
    ("present", "seats", "expected"),
    [
        (0, 4, "quiet"),
        (1, 4, "quiet"),
        (2, 4, "busy"),  # exactly half is busy
        (3, 4, "busy"),
        (4, 4, "full"),  # every seat taken is full
        (6, 4, "full"),
        (2, 5, "quiet"),  # 40 %
        (3, 5, "busy"),  # 60 %
        (5, 5, "full"),
        (0, 1, "quiet"),
        (1, 1, "full"),
        (5, 12, "quiet"),
        (6, 12, "busy"),
    ],
)
def test_thresholds(present, seats, expected):
    assert levels.level(present, seats) == expected


@pytest.mark.parametrize("seats", [None, 0, -3])
def test_unknown_seats_mean_the_standard_capacity_of_5(seats):
    assert levels.capacity(seats) == levels.DEFAULT_CAPACITY == 5
    assert [levels.level(n, seats) for n in range(7)] == ["quiet"] * 3 + ["busy"] * 2 + ["full"] * 2


def test_the_four_levels_are_the_api_words():
    assert levels.LEVELS == ("quiet", "busy", "full", "unknown")
    assert [levels.LEVELS[c] for c in (levels.QUIET_CODE, levels.BUSY_CODE, levels.FULL_CODE)] == [
        "quiet",
        "busy",
        "full",
    ]
