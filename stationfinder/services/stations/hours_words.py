"""Opening hours in words: read what the rider pages show ("周一至周五：08:00-20:00") back into the syntax.

Managers type the hours the way riders read them, so the words of ``rider.texts.hours_lines`` in
Chinese and English must read back to the same canonical value. Also read: 星期一/礼拜一, 周一至五,
工作日, 周末, 每天, 24小时, 休息, ranges with 至/到/-/~, lists with 、/，/和, one rule per line or ；.
Nothing here imports Flask; ``hours.parse`` calls ``to_syntax`` for text its syntax cannot read.
"""

import re
import unicodedata

_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_NUMERALS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ENGLISH_DAYS = {
    "mo": 0, "mon": 0, "monday": 0,
    "tu": 1, "tue": 1, "tues": 1, "tuesday": 1,
    "we": 2, "wed": 2, "wednesday": 2,
    "th": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fr": 4, "fri": 4, "friday": 4,
    "sa": 5, "sat": 5, "saturday": 5,
    "su": 6, "sun": 6, "sunday": 6,
}  # fmt: skip
# Dashes NFKC leaves alone; the syntax's own "-" and "~" come through NFKC from －/～.
_DASHES = str.maketrans({"–": "-", "—": "-", "―": "-", "〜": "~", "〰": "~"})

# Order matters: longer and more specific words first ("全天关闭" before "全天", "周末" before "周").
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<off>全天(?:关闭|休息|不营业)|关闭|休息|不营业|停业|闭店|closed(?:\s+all\s+day)?|\boff\b)
    | (?P<allday>24\s*(?:小时|h\b|hours\b)(?:营业|开放)?|全天(?:营业|开放)?|open\s+24\s+hours)
    | (?P<every>每天|每日|天天|daily|every\s*day)
    | (?P<workdays>工作日|weekdays?)
    | (?P<weekend>周末|双休日|weekends?)
    | (?P<day>(?:周|星期|礼拜)[一二三四五六日天七])
    | (?P<filler>营业时间|开放时间|营业|开放|opening\s+hours|hours)
    | (?P<english>\b[a-z]{2,9}\b)
    | (?P<numeral>[一二三四五六日天七])
    | (?P<time>\d{1,2}:\d{2})
    | (?P<oclock>\d{1,2})点(?:(?P<minute>\d{1,2})分?|(?P<half>半))?
    | (?P<range>[-~至到]|\bto\b|\bthrough\b)
    | (?P<list>[,、和及与&]|\band\b)
    | (?P<sep>[;\n。|])
    | (?P<colon>:)
    """,
    re.VERBOSE | re.IGNORECASE,
)


class _Unreadable(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str | int]]:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    out: list[tuple[str, str | int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _Unreadable(text[pos:])
        pos = m.end()
        kind = m.lastgroup if m.lastgroup not in ("minute", "half") else "oclock"
        word = m.group(kind)
        if kind in ("space", "filler"):
            continue
        if kind == "day":
            out.append(("day", _NUMERALS[word[-1]]))
        elif kind == "numeral":
            out.append(("numeral", _NUMERALS[word]))
        elif kind == "english":
            low = word.lower()
            if low in ("to", "through"):
                out.append(("range", low))
            elif low == "and":
                out.append(("list", low))
            elif low in _ENGLISH_DAYS:
                out.append(("day", _ENGLISH_DAYS[low]))
            else:
                raise _Unreadable(word)
        elif kind == "oclock":
            minute = 30 if m.group("half") else int(m.group("minute") or 0)
            out.append(("time", f"{int(word):02d}:{minute:02d}"))
        else:
            out.append((kind, word))
    return out


class _Reader:
    """Read rules off the tokens: [days [:]] (off | all day | from-to [, from-to ...])."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> str | None:
        at = self.i + ahead
        return self.tokens[at][0] if at < len(self.tokens) else None

    def take(self, *kinds: str):
        kind, value = self.tokens[self.i] if self.i < len(self.tokens) else (None, None)
        if kind not in kinds:
            raise _Unreadable(f"expected {kinds}, found {kind}")
        self.i += 1
        return value

    def rules(self) -> list[str]:
        out = []
        while self.peek() is not None:
            if self.peek() in ("sep", "list", "colon"):
                self.i += 1
                continue
            days = self.days()
            if self.peek() == "colon":
                self.i += 1
            times = self.times()
            out.append(f"{days} {times}" if days else times)
        return out

    def days(self) -> str | None:
        """Return a day spec ("Mo-Fr,Su"), or None for every day (no days written)."""
        if self.peek() == "every":
            self.i += 1
            return None
        items = []
        while True:
            kind = self.peek()
            if kind == "workdays":
                self.i += 1
                items.append("Mo-Fr")
            elif kind == "weekend":
                self.i += 1
                items.append("Sa,Su")
            elif kind == "day" or (kind == "numeral" and items):
                first = self.take("day", "numeral")
                if self.peek() == "range" and self.peek(1) in ("day", "numeral"):
                    self.i += 1
                    last = self.take("day", "numeral")
                    items.append(f"{_CODES[first]}-{_CODES[last]}")
                else:
                    items.append(_CODES[first])
            else:
                break
            if self.peek() == "list" and self.peek(1) in ("day", "numeral", "workdays", "weekend"):
                self.i += 1
                continue
            break
        return ",".join(items) or None

    def times(self) -> str:
        kind = self.peek()
        if kind == "off":
            self.i += 1
            return "off"
        if kind == "allday":
            self.i += 1
            return "00:00-24:00"
        ranges = []
        while True:
            start = self.take("time")
            self.take("range")
            ranges.append(f"{start}-{self.take('time')}")
            if self.peek() == "list" and self.peek(1) == "time":
                self.i += 1
                continue
            return ",".join(ranges)


def to_syntax(text: str | None) -> str | None:
    """Return opening hours written in words as the syntax ``hours`` parses, or None when unreadable."""
    if not text or len(text) > 400:
        return None
    try:
        rules = _Reader(_tokens(text)).rules()
    except _Unreadable:
        return None
    return "; ".join(rules) or None
