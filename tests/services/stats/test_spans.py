"""Calendar span arithmetic: which day, month, quarter and year rows add up to a range of days."""

from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from stationfinder.services.stats.spans import split_months, station_spans


@settings(max_examples=300, deadline=None)
@given(first=st.dates(date(2023, 1, 1), date(2027, 12, 31)), length=st.integers(0, 3 * 366))
def test_station_spans_add_up_to_exactly_the_days_asked(first, length):
    last = first + timedelta(days=length)
    weight: Counter = Counter()
    for table, runs, sign in station_spans(first, last):
        for a, b in runs:
            if table == "day":
                starts = [a + timedelta(days=n) for n in range((b - a).days + 1)]
                spans = [(d, d) for d in starts]
            else:
                size = {"month": 1, "quarter": 3, "year": 12}[table]
                spans = []
                month = a
                while month <= b:
                    end_month = _plus_months(month, size)
                    spans.append((month, end_month - timedelta(days=1)))
                    month = end_month
            for start, end in spans:
                for n in range((end - start).days + 1):
                    weight[start + timedelta(days=n)] += sign
    asked = {first + timedelta(days=n) for n in range(length + 1)}
    assert {day for day, w in weight.items() if w} == asked
    assert all(weight[day] == 1 for day in asked)


def _plus_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def test_a_year_to_today_reads_the_calendar_year_whole_minus_what_is_still_to_come():
    spans = station_spans(date(2025, 11, 28), date(2026, 11, 27))
    assert ("year", [(date(2026, 1, 1), date(2026, 1, 1))], 1) in spans
    assert ("month", [(date(2026, 12, 1), date(2026, 12, 1))], -1) in spans
    assert ("day", [(date(2026, 11, 28), date(2026, 11, 30))], -1) in spans
    assert sum(len(runs) for _, runs, _ in spans) == 5


def test_split_months_keeps_whole_months_apart_from_the_days_around_them():
    days, months = split_months(date(2024, 1, 20), date(2024, 4, 10))
    assert days == [(date(2024, 1, 20), date(2024, 1, 31)), (date(2024, 4, 1), date(2024, 4, 10))]
    assert months == (date(2024, 2, 1), date(2024, 3, 1))
    assert split_months(date(2024, 2, 1), date(2024, 2, 29)) == ([], (date(2024, 2, 1), date(2024, 2, 1)))
    assert split_months(date(2024, 2, 2), date(2024, 2, 29)) == (
        [(date(2024, 2, 2), date(2024, 2, 29))],
        None,
    )
