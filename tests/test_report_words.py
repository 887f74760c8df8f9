"""The staff's report words name every category and state the model knows, and nothing else."""

from stationfinder import report_words
from stationfinder.models.report import CLOSED_STATES, COMMUNITY_CATEGORIES, OPEN_STATES, STATION_CATEGORIES


def test_every_category_and_state_has_a_staff_label():
    assert set(report_words.CATEGORY_LABELS) == set(STATION_CATEGORIES) | set(COMMUNITY_CATEGORIES)
    assert set(report_words.STATUS_LABELS) == set(OPEN_STATES) | set(CLOSED_STATES)
