/* The station list's report parts: each listed station's open reports (one request for the whole
 * list) and a link to report a problem there. rider.js loads this once a list is on screen and
 * calls SFReportList.show(list) after each list it draws. Report lines come from the server in the
 * rider's language and only reach the page through textContent. */
(function () {
  "use strict";

  var config = document.getElementById("report-list");
  if (!config) return;
  var openUrl = config.getAttribute("data-open-url");
  var reportUrl = config.getAttribute("data-report-url");
  var reportLabel = config.getAttribute("data-report-label");
  var problemsLabel = config.getAttribute("data-problems-label");
  var seq = 0;

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function problems(lines) {
    var ul = node("ul", "open-problems");
    ul.setAttribute("aria-label", problemsLabel);
    lines.forEach(function (line) {
      var li = node("li");
      var icon = node("span", "", "⚠️");
      icon.setAttribute("aria-hidden", "true");
      li.appendChild(icon);
      li.appendChild(document.createTextNode(" " + line));
      ul.appendChild(li);
    });
    return ul;
  }

  function show(items, body) {
    var found = (body && body.stations) || {};
    items.forEach(function (li) {
      var lines = found[li.dataset.id];
      if (!Array.isArray(lines) || !lines.length || !li.isConnected || li.querySelector(".open-problems")) return;
      var badges = li.querySelector(".badges");
      li.insertBefore(problems(lines.map(String)), badges ? badges.nextSibling : null);
    });
  }

  function decorate(results) {
    var items = Array.prototype.slice.call(results.querySelectorAll("li.station[data-id]"));
    var mine = ++seq;
    if (!items.length) return;
    var query = [];
    items.forEach(function (li) {
      var id = li.dataset.id;
      query.push("station=" + encodeURIComponent(id));
      // Two lists drawn while this script was loading are shown once, by both calls.
      if (li.querySelector(".report-link")) return;
      var link = node("a", "report-link", reportLabel);
      link.href = reportUrl.replace("ID", encodeURIComponent(id));
      li.appendChild(link);
    });
    fetch(openUrl + "?" + query.join("&"), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (body) {
        // A newer list (another search, a filter) replaced this one meanwhile.
        if (mine === seq) show(items, body);
      })
      .catch(function () {
        // The list is what matters; it stays usable without its reports.
      });
  }

  window.SFReportList = { show: decorate };
})();
