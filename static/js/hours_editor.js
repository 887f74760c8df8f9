/* Plain opening-hours editor of the station form (templates/manage/_hours_editor.html).
 *
 * The text field #opening_hours stays the source of truth and works without JavaScript. The editor
 * (a 24-hour switch, weekday chips, one or two times per group of days) writes the canonical syntax
 * into it; the server reads it back (/manage/hours-preview) and answers with the rider's words, so
 * the preview says exactly what the station page will say. Saving is still checked by the server.
 */
(function () {
  "use strict";

  var field = document.getElementById("opening_hours");
  var editor = document.getElementById("hours-editor");
  var template = document.getElementById("hours-group-template");
  if (!field || !editor || !template || !window.fetch || !("content" in template)) return;

  var CODES = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var always = document.getElementById("hours-always");
  var groupsBox = document.getElementById("hours-groups");
  var addGroup = document.getElementById("hours-add-group");
  var tooDetailed = document.getElementById("hours-too-detailed");
  var previewBox = editor.querySelector(".hours-preview");
  var previewLines = document.getElementById("hours-preview-lines");
  var asked = 0; // the latest preview request; answers to older ones arrive late and are dropped
  var timer = null;

  function groups() {
    return Array.prototype.slice.call(groupsBox.querySelectorAll(".hours-group"));
  }

  function chips(group) {
    return Array.prototype.slice.call(group.querySelectorAll(".chip[data-day]"));
  }

  function pressedDays(group) {
    return chips(group)
      .filter(function (c) { return c.getAttribute("aria-pressed") === "true"; })
      .map(function (c) { return Number(c.dataset.day); });
  }

  function usedDays() {
    var used = {};
    groups().forEach(function (g) { pressedDays(g).forEach(function (d) { used[d] = true; }); });
    return used;
  }

  /* Monday to Friday as "Mo-Fr"; two days in a row stay a list ("Sa,Su") as riders read it best. */
  function daySpec(days) {
    var parts = [];
    var i = 0;
    while (i < days.length) {
      var j = i;
      while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
      if (j - i >= 2) {
        parts.push(CODES[days[i]] + "-" + CODES[days[j]]);
      } else {
        for (var k = i; k <= j; k++) parts.push(CODES[days[k]]);
      }
      i = j + 1;
    }
    return parts.join(",");
  }

  function rangesOf(group) {
    var out = [];
    group.querySelectorAll(".hours-range").forEach(function (row) {
      if (row.hidden) return;
      var from = row.querySelector(".hours-from").value;
      var to = row.querySelector(".hours-to").value;
      // A time input cannot say 24:00; closing at 00:00 means at midnight.
      if (from && to) out.push(from + "-" + (to === "00:00" ? "24:00" : to));
    });
    return out;
  }

  /* The canonical hours of the editor; days in no group are closed, so no days at all is "closed all week". */
  function compose() {
    if (always.checked) return "24/7";
    var rules = [];
    groups().forEach(function (g) {
      var days = pressedDays(g);
      if (!days.length) return;
      var ranges = rangesOf(g);
      rules.push(daySpec(days) + " " + (ranges.length ? ranges.join(",") : "off"));
    });
    return rules.length ? rules.join("; ") : "Mo-Su off";
  }

  function syncButtons() {
    var all = groups();
    all.forEach(function (g) {
      var second = g.querySelector('.hours-range[data-range="2"]');
      g.querySelector(".hours-add-range").hidden = !second.hidden;
      g.querySelector(".hours-drop-group").hidden = all.length < 2;
    });
    var used = usedDays();
    addGroup.hidden = always.checked || Object.keys(used).length >= 7;
    groupsBox.hidden = always.checked;
  }

  function setRange(row, range) {
    row.hidden = !range;
    row.querySelector(".hours-from").value = range ? range[0] : "";
    row.querySelector(".hours-to").value = range ? (range[1] === "24:00" ? "00:00" : range[1]) : "";
  }

  function newGroup(days, ranges) {
    var group = template.content.firstElementChild.cloneNode(true);
    chips(group).forEach(function (c) {
      c.setAttribute("aria-pressed", days.indexOf(Number(c.dataset.day)) >= 0 ? "true" : "false");
    });
    var rows = group.querySelectorAll(".hours-range");
    setRange(rows[0], ranges[0] || ["08:00", "20:00"]);
    setRange(rows[1], ranges[1] || null);
    groupsBox.appendChild(group);
    return group;
  }

  function showLines(lines, isError) {
    previewLines.textContent = "";
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      previewLines.appendChild(div);
    });
    previewBox.classList.toggle("is-error", isError);
  }

  /* Rebuild the editor from the server's reading of the text field, without writing to the field. */
  function build(data) {
    groupsBox.textContent = "";
    var list = data && data.ok ? data.groups : [];
    var detailed = list.some(function (g) { return g.ranges.length > 2; });
    tooDetailed.hidden = !detailed;
    always.closest("label").hidden = detailed;
    always.checked = Boolean(data && data.ok && data.always);
    if (detailed) {
      groupsBox.hidden = addGroup.hidden = true;
      return;
    }
    if (!always.checked) list.forEach(function (g) { newGroup(g.days, g.ranges); });
    if (!groups().length && !always.checked) newGroup([], []);
    syncButtons();
  }

  function preview(text, rebuild) {
    var n = ++asked;
    var url = editor.dataset.previewUrl + "?hours=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("preview " + r.status);
        return r.json();
      })
      .then(function (data) {
        if (n !== asked) return;
        showLines(data.ok ? data.lines : [editor.dataset.invalidText], !data.ok);
        if (rebuild) build(data);
      })
      .catch(function () {
        if (n === asked) showLines([editor.dataset.failedText], true);
      });
  }

  function write() {
    syncButtons();
    field.value = compose();
    // As if typed: the preview below and the form's other listeners (unsaved changes) see it.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  always.addEventListener("change", function () {
    if (!always.checked && !groups().length) newGroup([0, 1, 2, 3, 4, 5, 6], []);
    write();
  });

  addGroup.addEventListener("click", function () {
    var used = usedDays();
    var rest = [0, 1, 2, 3, 4, 5, 6].filter(function (d) { return !used[d]; });
    var last = groups().slice(-1)[0];
    var first = last && rangesOf(last)[0];
    newGroup(rest, first ? [first.split("-")] : []);
    write();
  });

  groupsBox.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var group = button.closest(".hours-group");
    if (button.dataset.day !== undefined) {
      var on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", on ? "true" : "false");
      // A day keeps one set of hours: taking it into this group takes it out of the others.
      if (on) {
        groups().forEach(function (g) {
          if (g !== group) g.querySelector('.chip[data-day="' + button.dataset.day + '"]').setAttribute("aria-pressed", "false");
        });
      }
    } else if (button.classList.contains("hours-add-range")) {
      var second = group.querySelector('.hours-range[data-range="2"]');
      setRange(second, ["", ""]);
      syncButtons();
      second.querySelector(".hours-from").focus();
    } else if (button.classList.contains("hours-drop-range")) {
      setRange(group.querySelector('.hours-range[data-range="2"]'), null);
    } else if (button.classList.contains("hours-drop-group")) {
      group.remove();
    } else {
      return;
    }
    write();
  });

  groupsBox.addEventListener("input", write);

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { preview(field.value, false); }, 200);
  });
  field.addEventListener("change", function () { preview(field.value, true); });

  editor.hidden = false;
  preview(field.value, true);
})();
