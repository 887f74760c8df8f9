"""Calendar span arithmetic for the statistics: which rollup rows add up to a range of days.

Pure date arithmetic, no database: the readers in ``sources`` turn these spans into queries.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from stationfinder.services.rollups.counting import quarter_of


def split_months(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """Split first..last into day ranges and a run of whole months (as first days), if any."""
    start = first if first.day == 1 else _next_month(first)
    # The first day of the month holding the day after ``last``: whole months end before it.
    stop = (last + timedelta(days=1)).replace(day=1)
    if start >= stop:
        return [(first, last)], None
    days = []
    if first < start:
        days.append((first, start - timedelta(days=1)))
    if stop <= last:
        days.append((stop, last))
    return days, (start, _prev_month(stop))


@dataclass(frozen=True)
class Cover:
    """first..last as whole units (unit starts, inclusive), plus and minus runs of the finer elements."""

    units: tuple | None
    plus: list
    minus: list


def _cover(first, last, floor, ceil, step, count) -> Cover:
    """Cover first..last with whole units, taking a partial unit whole minus the rest when that is shorter.

    ``floor``/``ceil`` give the first/last element of an element's unit, ``step(x, n)`` moves n elements
    and ``count(a, b)`` counts a..b. Whatever lies after today has no rows, so the usual tail of a range
    ending today costs one unit row instead of a row per element.
    """
    head, tail = floor(first), floor(last)
    if head == tail:
        covered = count(first, last)
        if count(head, ceil(head)) - covered >= covered:
            return Cover(None, [(first, last)], [])
        minus = [(head, step(first, -1))] if first > head else []
        if last < ceil(tail):
            minus.append((step(last, 1), ceil(tail)))
        return Cover((head, head), [], minus)
    start, stop, plus, minus = head, tail, [], []
    if first > head:
        if count(head, step(first, -1)) < count(first, ceil(head)):
            minus.append((head, step(first, -1)))
        else:
            plus.append((first, ceil(head)))
            start = step(ceil(head), 1)
    if last < ceil(tail):
        if count(step(last, 1), ceil(tail)) < count(tail, last):
            minus.append((step(last, 1), ceil(tail)))
        else:
            plus.append((tail, last))
            stop = floor(step(tail, -1))
    return Cover((start, stop) if start <= stop else None, plus, minus)


def _add_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def _days(a: date, b: date) -> int:
    return (b - a).days + 1


def _month_end(day: date) -> date:
    return _next_month(day) - timedelta(days=1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _months(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def station_spans(first: date, last: date) -> list[tuple[str, list[tuple[date, date]], int]]:
    """Return (table: "day", "month" or "quarter", runs of first days, sign) adding up to first..last.

    Each level takes a partial unit whole minus the rest when the rest is shorter, so a year to
    today of one station is about three rows: a few days, a month and a calendar year (the
    days, month and quarter after today that it subtracts have no rows yet).
    """
    days = _cover(first, last, lambda d: d.replace(day=1), _month_end, _add_days, _days)
    out = [("day", days.plus, 1), ("day", days.minus, -1)]
    if days.units:
        months = _cover(
            *days.units,
            quarter_of,
            lambda m: _add_months(quarter_of(m), 2),
            _add_months,
            _months,
        )
        out += [("month", months.plus, 1), ("month", months.minus, -1)]
        if months.units:
            quarters = _cover(
                *months.units,
                lambda q: q.replace(month=1),
                lambda q: q.replace(month=10),
                lambda q, n: _add_months(q, 3 * n),
                lambda a, b: _months(a, b) // 3 + 1,
            )
            out += [("quarter", quarters.plus, 1), ("quarter", quarters.minus, -1)]
            if quarters.units:
                out.append(("year", [quarters.units], 1))
    return [(table, runs, sign) for table, runs, sign in out if runs]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _prev_month(first_of_month: date) -> date:
    return (first_of_month - timedelta(days=1)).replace(day=1)


__all__ = ["split_months", "station_spans"]
