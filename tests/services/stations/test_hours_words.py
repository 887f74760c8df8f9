"""Opening hours typed in the words riders read: they are accepted and stored in the canonical syntax."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stationfinder.rider import texts
from stationfinder.services.stations import hours


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("周一至周五：08:00-20:00", "Mo-Fr 08:00-20:00"),
        ("周六、周日：10:00-18:00", "Sa,Su 10:00-18:00"),
        ("每天：07:00-12:00, 14:00-22:00", "07:00-12:00,14:00-22:00"),
        ("每天 08:00-20:00", "08:00-20:00"),
        ("24 小时开放", "24/7"),
        ("24小时", "24/7"),
        ("24小时营业", "24/7"),
        ("周一至周五 08:00-20:00，周六、周日 10:00-18:00", "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00"),
        ("周一至周五：08：00－20：00；周日：全天关闭", "Mo-Fr 08:00-20:00; Su off"),
        ("星期一到星期五 08:00～20:00\n礼拜六 09:00~12:00", "Mo-Fr 08:00-20:00; Sa 09:00-12:00"),
        ("周一至五 8点-20点半", "Mo-Fr 08:00-20:30"),
        ("工作日 09:00-18:00；周末休息", "Mo-Fr 09:00-18:00; Sa,Su off"),
        ("周六 22:00至06:00", "Sa 22:00-06:00"),
        ("营业时间：周一、周三至周五 08:00 到 20:00", "Mo,We-Fr 08:00-20:00"),
        ("周日：24小时", "Su 00:00-24:00"),
        ("Mon–Fri: 08:00-20:00\nSat, Sun: closed all day", "Mo-Fr 08:00-20:00; Sa,Su off"),
        ("Every day: 08:00-20:00", "08:00-20:00"),
        ("Open 24 hours", "24/7"),
        # Both spellings of "closed" are stored as one, so the rider's "全天关闭" reads back to it.
        ("Su closed", "Su off"),
    ],
)
def test_words_are_stored_in_the_syntax(typed, stored):
    assert hours.validate(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "周一至周五",
        "周八 08:00-20:00",
        "每天：08:00",
        "周一：08:00-08:00",
        "周一：25:00-26:00",
        "ask the guard",
    ],
)
def test_unreadable_words_are_refused(typed):
    with pytest.raises(hours.InvalidHours):
        hours.validate(typed)


def test_the_syntax_itself_is_unchanged():
    assert hours.validate("Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00") == "Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00"
    assert hours.validate("Mo-Su 07:00-12:00,14:00-22:00") == "Mo-Su 07:00-12:00,14:00-22:00"


def test_day_groups_are_the_editors_model():
    assert hours.day_groups("Mo-Fr 08:00-20:00; Sa,Su 10:00-12:00,14:00-18:00; Su off") == [
        {"days": [0, 1, 2, 3, 4], "ranges": [["08:00", "20:00"]]},
        {"days": [5], "ranges": [["10:00", "12:00"], ["14:00", "18:00"]]},
    ]
    assert hours.day_groups("Sa 22:00-06:00") == [{"days": [5], "ranges": [["22:00", "06:00"]]}]
    assert hours.day_groups("24/7") == [{"days": list(range(7)), "ranges": [["00:00", "24:00"]]}]


DAYS = hours.DAYS
times = st.builds(
    lambda h, m, pad: f"{h:02d}:{m:02d}" if pad or h >= 10 else f"{h}:{m:02d}",
    st.integers(0, 23),
    st.sampled_from([0, 5, 30, 45, 59]),
    st.booleans(),
)
ranges = st.lists(st.tuples(times, times | st.just("24:00")), min_size=1, max_size=3).map(
    lambda pairs: ",".join(f"{a}-{b}" for a, b in pairs)
)
day_item = st.tuples(st.sampled_from(DAYS), st.none() | st.sampled_from(DAYS)).map(
    lambda pair: pair[0] if pair[1] in (None, pair[0]) else f"{pair[0]}-{pair[1]}"
)
day_spec = st.lists(day_item, min_size=1, max_size=3).map(",".join)
rule = st.tuples(st.none() | day_spec, st.sampled_from(["off", "closed"]) | ranges).map(
    lambda r: r[1] if r[0] is None else f"{r[0]} {r[1]}"
)
schedules = st.lists(rule, min_size=1, max_size=4).map("; ".join) | st.sampled_from(["24/7", "", "24h"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=schedules, lang=st.sampled_from(["zh-CN", "en"]), joiner=st.sampled_from(["\n", "；", "; "]))
def test_what_riders_read_parses_back_to_the_same_value(app, text, lang, joiner):
    try:
        canonical = hours.validate(text)
    except hours.InvalidHours:
        assume(False)
    with app.test_request_context(headers={"Accept-Language": lang}):
        shown = joiner.join(texts.hours_lines(canonical))
    assert hours.validate(shown) == canonical, shown
