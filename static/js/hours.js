/* Opening hours on the phone, for the offline station list: the syntax of
 * stationfinder/services/stations/hours.py read the same way (tests/e2e/test_offline.py compares
 * the two on many values). Every writer stores hours.validate's canonical syntax, so the words
 * riders read ("周一至周五：08:00-20:00"), which only the server also reads, are not read here:
 * such text counts as unreadable, and unreadable hours never promise an open door.
 * window.SFHours.openState(status, hours, date, zone) → {open_now, closes_at, closes_in_min}. */
(function (root) {
  "use strict";

  var DAYS = { Mo: 0, Tu: 1, We: 2, Th: 3, Fr: 4, Sa: 5, Su: 6 };
  var WEEK = 7 * 1440;
  var ALWAYS = "24/7";
  var ALWAYS_SPELLINGS = ["", "24/7", "24h", "24H", "00:00-24:00", "Mo-Su 00:00-24:00"];
  var FULL_WIDTH = { "：": ":", "－": "-", "—": "-", "–": "-", "~": "-", "～": "-", "，": ",", "；": ";", "　": " " };
  // Python's \d is any decimal digit; full-width ones are the ones a Chinese keyboard types.
  var D = "[0-9\uFF10-\uFF19]";
  var TIME = new RegExp("^([01]?" + D + "|2[0-4]):([0-5]" + D + ")$");
  var DAY_SPEC = /^(Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))?$/;
  // Python's \b: letters and digits of any script are word characters.
  var WORD = (function () {
    try {
      return new RegExp("[\\p{L}\\p{N}_]", "u");
    } catch (e) {
      return /\w/;
    }
  })();
  var CLOSES_AT_HORIZON_MIN = 24 * 60;

  function invalid(why) {
    return new Error("invalid opening hours: " + why);
  }

  function number(digits) {
    var n = 0;
    for (var i = 0; i < digits.length; i++) {
      var c = digits.charCodeAt(i);
      n = n * 10 + (c >= 0xff10 ? c - 0xff10 : c - 48);
    }
    return n;
  }

  function isWord(c) {
    return !!c && WORD.test(c);
  }

  function normalize(text) {
    var t = String(text || "")
      .replace(/[：－—–~～，；　]/g, function (c) { return FULL_WIDTH[c]; })
      .trim()
      .replace(/\s+/g, " ")
      .replace(/\s*([;,-])\s*/g, "$1")
      .replace(/;/g, "; ")
      .replace(/off|closed/gi, function (word, at, all) {
        return isWord(all.charAt(at - 1)) || isWord(all.charAt(at + word.length)) ? word : "off";
      });
    return ALWAYS_SPELLINGS.indexOf(t) >= 0 ? ALWAYS : t;
  }

  function parseTime(token) {
    var m = TIME.exec(token);
    if (!m) throw invalid("bad time " + token);
    var minutes = number(m[1]) * 60 + number(m[2]);
    if (minutes > 1440) throw invalid("bad time " + token);
    return minutes;
  }

  function parseDays(spec) {
    var days = [];
    spec.split(",").forEach(function (part) {
      var m = DAY_SPEC.exec(part.trim());
      if (!m) throw invalid("bad days " + part);
      var first = DAYS[m[1]];
      var last = m[3] ? DAYS[m[3]] : first;
      var span = (((last - first) % 7) + 7) % 7;
      for (var i = 0; i <= span; i++) days.push((first + i) % 7);
    });
    return days;
  }

  function parseRanges(spec) {
    return spec.split(",").map(function (part) {
      var bits = part.trim().split("-");
      if (bits.length !== 2) throw invalid("bad time range " + part);
      var start = parseTime(bits[0].trim());
      var end = parseTime(bits[1].trim());
      if (start === end) throw invalid("empty time range " + part);
      if (start === 1440) throw invalid("a range cannot start at 24:00");
      // An end before the start runs past midnight into the next day.
      return [start, end > start ? end : end + 1440];
    });
  }

  /* Each weekday's [start, end] minutes after the rules override each other in turn. */
  function perDay(canonical) {
    var days = [[], [], [], [], [], [], []];
    canonical.split(";").forEach(function (raw) {
      var rule = raw.trim();
      if (!rule) return;
      var space = rule.indexOf(" ");
      var head = space < 0 ? rule : rule.slice(0, space);
      var named = DAY_SPEC.test(head.split(",")[0]);
      var which = named ? parseDays(head) : [0, 1, 2, 3, 4, 5, 6];
      var spec = named ? (space < 0 ? "" : rule.slice(space + 1).trim()) : rule;
      if (!spec) throw invalid("rule " + rule + " has days but no times");
      var lower = spec.toLowerCase();
      var ranges = lower === "off" || lower === "closed" ? [] : parseRanges(spec);
      which.forEach(function (day) { days[day] = ranges.slice(); });
    });
    return days;
  }

  function merge(intervals) {
    intervals.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    intervals.forEach(function (iv) {
      var last = merged[merged.length - 1];
      if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
      else merged.push([iv[0], iv[1]]);
    });
    return merged;
  }

  /* {text, intervals}: sorted, non-overlapping minute-of-week intervals; throws when unreadable. */
  function parse(text) {
    var canonical = normalize(text);
    if (Array.from(canonical).length > 200) throw invalid("too long");
    if (canonical === ALWAYS) return { text: ALWAYS, intervals: [[0, WEEK]] };
    var intervals = [];
    perDay(canonical).forEach(function (ranges, day) {
      ranges.forEach(function (r) {
        var a = day * 1440 + r[0];
        var b = day * 1440 + r[1];
        if (b <= WEEK) intervals.push([a, b]);
        else {
          // Sunday night running into Monday morning.
          intervals.push([a, WEEK]);
          intervals.push([0, b - WEEK]);
        }
      });
    });
    return { text: canonical, intervals: merge(intervals) };
  }

  var clocks = {};
  /* Minutes since Monday 00:00 of a moment's wall clock in a zone (the phone's own if unknown). */
  function weekMinute(date, zone) {
    var names = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
    try {
      if (!clocks[zone]) {
        clocks[zone] = new Intl.DateTimeFormat("en-US", {
          timeZone: zone, weekday: "short", hour: "numeric", minute: "numeric", hourCycle: "h23",
        });
      }
      var parts = {};
      clocks[zone].formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
      return names[parts.weekday] * 1440 + (Number(parts.hour) % 24) * 60 + Number(parts.minute);
    } catch (e) {
      return ((date.getDay() + 6) % 7) * 1440 + date.getHours() * 60 + date.getMinutes();
    }
  }

  function clock(minutes) {
    var m = minutes % 1440;
    if (m === 0) return "24:00";
    return ("0" + Math.floor(m / 60)).slice(-2) + ":" + ("0" + (m % 60)).slice(-2);
  }

  /* As lookup.open_state: open now, and when it closes if that is within a day. */
  function openState(status, hours, date, zone) {
    var state = { open_now: false, closes_at: null, closes_in_min: null };
    if (status !== "open") return state;
    var schedule;
    try {
      schedule = parse(hours);
    } catch (e) {
      return state;
    }
    var minute = weekMinute(date, zone);
    var iv = schedule.intervals;
    for (var i = 0; i < iv.length; i++) {
      if (iv[i][0] <= minute && minute < iv[i][1]) {
        state.open_now = true;
        if (schedule.text === ALWAYS || (iv.length === 1 && iv[0][0] === 0 && iv[0][1] === WEEK)) return state;
        var end = iv[i][1];
        // The week's last interval runs on into Monday's first when that starts at midnight.
        if (end === WEEK && iv[0][0] === 0) end = WEEK + iv[0][1];
        var left = end - minute;
        if (left <= CLOSES_AT_HORIZON_MIN) {
          state.closes_at = clock(minute + left);
          state.closes_in_min = left;
        }
        return state;
      }
    }
    return state;
  }

  root.SFHours = { normalize: normalize, parse: parse, openState: openState };
})(self);
