"""Group labels come from the Babel catalogue in the language asked, wherever they are computed."""

import pytest

from stationfinder.rider.checkin_routes import group_choices
from stationfinder.services.rollups.counting import NATIONAL, NO_CATEGORY
from stationfinder.services.stats import labels


def test_rider_groups_in_chinese_and_english(app):
    with app.app_context():
        assert labels.category_labels("zh") == {
            "food_delivery": "外卖骑手",
            "courier": "快递员",
            "ride_hailing": "网约车司机",
            "truck_driver": "货车司机",
            "other": "其他",
            NO_CATEGORY: "未选择",
        }
        assert labels.category_labels("en")["food_delivery"] == "Food delivery rider"
        assert labels.category_labels("en")[NO_CATEGORY] == "Not given"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_statistics_name_rider_groups_as_the_check_in_page_does(app, locale):
    # The same msgids: a group reads the same on the rider's page and in the statistics.
    with app.test_request_context(f"/?lang={locale}"):
        assert dict(group_choices()) == {
            code: label for code, label in labels.category_labels(locale).items() if code != NO_CATEGORY
        }


def test_weekdays_start_on_monday(app):
    with app.app_context():
        assert labels.weekday_labels("zh") == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        assert labels.weekday_labels("en")[::6] == ["Monday", "Sunday"]


def test_the_language_asked_wins_over_the_requests(app):
    with app.test_request_context("/?lang=zh"):
        assert labels.weekday_labels("en")[0] == "Monday"
        assert labels.region_label(NATIONAL, "en") == "All of China"
    with app.test_request_context("/?lang=en"):
        assert labels.region_label(NATIONAL, "zh") == "全国"
        assert labels.category_labels("zh")["courier"] == "快递员"


def test_region_labels_are_names_from_the_region_data(app):
    with app.app_context():
        assert labels.region_label("520502", "zh") == "七星关区"
        assert labels.region_label("520000", "en") == "Guizhou"
        assert labels.region_label(None) == "—"


@pytest.mark.parametrize(
    ("lang", "locale"), [("zh", "zh_Hans_CN"), ("en", "en"), ("en-GB", "en"), ("fr", "zh_Hans_CN")]
)
def test_a_language_tag_picks_a_catalogue(lang, locale):
    assert labels.locale_of(lang) == locale
