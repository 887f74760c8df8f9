/* "我的反馈": the tracking codes of the reports this phone sent, kept in localStorage and nowhere
 * else. A tracking page reached right after sending saves its code; the list page shows them.
 * This script sends nothing: only opening a code asks the server, for that code. */
(function () {
  "use strict";

  var KEY = "sf-my-reports";
  var MAX = 50;
  var CODE = /^[2-9A-Z]{8}$/;

  function load() {
    try {
      var value = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(value) ? value.filter(function (r) { return r && CODE.test(r.code); }) : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
    } catch (e) {
      // Private mode or a full storage: the code is still on the screen to note down.
    }
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  var page = document.querySelector("[data-report-status]");
  if (page) {
    var code = page.getAttribute("data-code");
    var list = load();
    var known = list.filter(function (r) { return r.code === code; })[0];
    if (known) {
      known.status = page.getAttribute("data-status");
      save(list);
    } else if (page.getAttribute("data-new") && CODE.test(code)) {
      list.unshift({
        code: code,
        category: page.getAttribute("data-category"),
        where: page.getAttribute("data-where"),
        at: page.getAttribute("data-at"),
        status: page.getAttribute("data-status"),
      });
      save(list);
    }
  }

  var box = document.querySelector("[data-my-reports]");
  if (box) {
    var mine = load();
    var empty = document.querySelector("[data-my-reports-empty]");
    if (empty) empty.hidden = mine.length > 0;
    var lang = document.documentElement.lang || undefined;
    mine.forEach(function (r) {
      var li = node("li");
      var link = node("a", "my-report");
      link.href = box.getAttribute("data-report-url").replace("CODE", r.code);
      link.appendChild(node("strong", "my-report-code", r.code.slice(0, 4) + "-" + r.code.slice(4)));
      var day = r.at ? new Date(r.at) : null;
      var parts = [r.category, r.where, day && !isNaN(day) ? day.toLocaleDateString(lang, { month: "short", day: "numeric" }) : ""];
      link.appendChild(node("span", "my-report-what", parts.filter(Boolean).map(String).join(" · ")));
      if (r.status) link.appendChild(node("span", "my-report-status", String(r.status)));
      li.appendChild(link);
      box.appendChild(li);
    });
  }
})();
