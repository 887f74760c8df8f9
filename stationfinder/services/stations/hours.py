"""Opening hours: parse a small OSM-style syntax and tell whether a station is open.

Accepted forms (local time, later rules override earlier ones for the days they name):
``24/7`` · ``08:00-20:00`` (every day) · ``Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00`` ·
``Mo-Su 07:00-12:00,14:00-22:00`` · ``Sa 22:00-06:00`` (past midnight) · ``Su off``.
Full-width punctuation (：－，；) typed on Chinese keyboards is accepted, and so are the words the
rider pages show (``周一至周五：08:00-20:00``; see ``hours_words``), stored in the syntax above.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from stationfinder.services.stations import hours_words

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_INDEX = {d: i for i, d in enumerate(DAYS)}
WEEK_MINUTES = 7 * 1440
ALWAYS = "24/7"
_FULL_WIDTH = str.maketrans(
    {"：": ":", "－": "-", "—": "-", "–": "-", "~": "-", "～": "-", "，": ",", "；": ";", "　": " "}
)
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_DAY_SPEC = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))?$")


class InvalidHours(ValueError):
    """Raised for opening hours that do not follow the accepted syntax."""


@dataclass(frozen=True)
class OpeningHours:
    """A weekly schedule as sorted, non-overlapping minute-of-week intervals."""

    text: str
    intervals: tuple[tuple[int, int], ...]

    @property
    def always_open(self) -> bool:
        return self.intervals == ((0, WEEK_MINUTES),)

    def is_open(self, local: datetime) -> bool:
        """Return whether the schedule is open at a local wall-clock time."""
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.intervals)

    def closes_at(self, local: datetime) -> datetime | None:
        """Return when the schedule next closes, if it is open at ``local`` (None: closed, or 24/7)."""
        if self.always_open:
            return None
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        for start, end in self.intervals:
            if start <= minute < end:
                first_start, first_end = self.intervals[0]
                # The week's last interval runs on into Monday's first when that starts at midnight.
                if end == WEEK_MINUTES and first_start == 0:
                    end = WEEK_MINUTES + first_end
                return local.replace(second=0, microsecond=0) + timedelta(minutes=end - minute)
        return None


def _parse_time(token: str) -> int:
    m = _TIME.match(token)
    if not m:
        raise InvalidHours(f"bad time {token!r} (use HH:MM)")
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    if minutes > 1440:
        raise InvalidHours(f"bad time {token!r}")
    return minutes


def _parse_days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        m = _DAY_SPEC.match(part.strip())
        if not m:
            raise InvalidHours(f"bad days {part.strip()!r} (use Mo Tu We Th Fr Sa Su, e.g. Mo-Fr)")
        first = _DAY_INDEX[m.group(1)]
        last = _DAY_INDEX[m.group(3)] if m.group(3) else first
        span = (last - first) % 7
        days.extend((first + i) % 7 for i in range(span + 1))
    return days


def _parse_ranges(spec: str) -> list[tuple[int, int]]:
    out = []
    for part in spec.split(","):
        bits = part.strip().split("-")
        if len(bits) != 2:
            raise InvalidHours(f"bad time range {part.strip()!r} (use HH:MM-HH:MM)")
        start, end = _parse_time(bits[0].strip()), _parse_time(bits[1].strip())
        if start == end:
            raise InvalidHours(f"empty time range {part.strip()!r}")
        if start == 1440:
            raise InvalidHours(f"a range cannot start at 24:00: {part.strip()!r}")
        # An end before the start runs past midnight into the next day.
        out.append((start, end if end > start else end + 1440))
    return out


def normalize(text: str | None) -> str:
    """Return the canonical spelling of opening hours (blank means always open)."""
    text = (text or "").translate(_FULL_WIDTH).strip()
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([;,-])\s*", r"\1", text).replace(";", "; ")
    # One spelling of "closed", so the rider's words for it ("全天关闭") read back to the same value.
    text = re.sub(r"\b(?:off|closed)\b", "off", text, flags=re.IGNORECASE)
    if text in ("", "24/7", "24h", "24H", "00:00-24:00", "Mo-Su 00:00-24:00"):
        return ALWAYS
    return text


@lru_cache(maxsize=4096)
def parse(text: str | None) -> OpeningHours:
    """Parse opening hours (the syntax, or the words riders read); raise InvalidHours when malformed."""
    try:
        return _parse_syntax(text)
    except InvalidHours:
        worded = hours_words.to_syntax(text)
        if worded is None:
            raise
        return _parse_syntax(worded)


def _parse_syntax(text: str | None) -> OpeningHours:
    canonical = normalize(text)
    if len(canonical) > 200:
        raise InvalidHours("opening hours are too long (200 characters at most)")
    if canonical == ALWAYS:
        return OpeningHours(ALWAYS, ((0, WEEK_MINUTES),))
    intervals: list[tuple[int, int]] = []
    for day, ranges in _per_day(canonical).items():
        for start, end in ranges:
            a, b = day * 1440 + start, day * 1440 + end
            if b <= WEEK_MINUTES:
                intervals.append((a, b))
            else:  # Sunday night running into Monday morning.
                intervals.append((a, WEEK_MINUTES))
                intervals.append((0, b - WEEK_MINUTES))
    return OpeningHours(canonical, _merge(intervals))


def _per_day(canonical: str) -> dict[int, list[tuple[int, int]]]:
    """Return each weekday's (start, end) minutes after the rules override each other in turn."""
    per_day: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for rule in (r.strip() for r in canonical.split(";")):
        if not rule:
            continue
        head, _, rest = rule.partition(" ")
        if _DAY_SPEC.match(head.split(",")[0]):
            days, spec = _parse_days(head), rest.strip()
        else:
            days, spec = list(range(7)), rule
        if not spec:
            raise InvalidHours(f"rule {rule!r} has days but no times")
        ranges = [] if spec.lower() in ("off", "closed") else _parse_ranges(spec)
        for day in days:
            per_day[day] = list(ranges)
    return per_day


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def validate(text: str | None) -> str:
    """Return the canonical form of valid opening hours, or raise InvalidHours."""
    return parse(text).text


def day_groups(text: str | None) -> list[dict]:
    """Return valid hours as groups of weekdays (0 is Monday) sharing the same "HH:MM" ranges.

    Days without hours belong to no group. This is the model of the station form's hours editor.
    """
    canonical = parse(text).text
    if canonical == ALWAYS:
        return [{"days": list(range(7)), "ranges": [["00:00", "24:00"]]}]
    groups: dict[tuple, list[int]] = {}
    for day, ranges in _per_day(canonical).items():
        if ranges:
            groups.setdefault(tuple(ranges), []).append(day)
    return [
        {
            "days": days,
            "ranges": [[_clock(start), _clock(end % 1440 if end > 1440 else end)] for start, end in key],
        }
        for key, days in groups.items()
    ]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
