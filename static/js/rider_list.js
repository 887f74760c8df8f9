/* The rider page, first of its three scripts (then rider_filters.js, then rider.js, which starts it).
 * This one makes window.SFRider, the one object they share, and draws the station list.
 * Station fields are untrusted: they only ever reach the page through textContent.
 *
 * SFRider:
 *   data, text, urls, byCode, state      the page data (#page-data) and what the rider chose
 *   $, node, fill, formatDistance, setStatus, render      this file
 *   clearFilters, showSearch, runSearch, searchEverywhere   rider_filters.js
 *   query, getJson, loadNearest, load, showMap             rider.js
 * What a later file adds is only called once the page runs, never while an earlier file loads. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("page-data").textContent);
  var T = data.text;
  var urls = data.urls;
  // The card names the closing time when it is this close (the server sends closes_in_min).
  var CLOSING_SOON_MIN = 120;
  var byCode = {};
  data.amenities.forEach(function (a) {
    byCode[a.code] = a;
  });

  var $ = function (id) {
    return document.getElementById(id);
  };
  var statusEl = $("status");
  var results = $("results");

  var state = {
    mode: "nearest",
    position: null,
    amenities: [],
    openNow: false,
    region: "",
    q: "",
    searched: false,
    seq: 0,
    locateSeq: 0,
    regionsLoaded: false,
    map: null,
    stations: [],
  };

  var R = (window.SFRider = {
    data: data,
    text: T,
    urls: urls,
    byCode: byCode,
    state: state,
    $: $,
  });

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function formatDistance(m) {
    if (m < 100) return fill(T.metres, { n: Math.round(m) });
    if (m < 1000) return fill(T.metres, { n: Math.round(m / 10) * 10 });
    var km = m / 1000;
    return fill(T.kilometres, { n: km < 10 ? km.toFixed(1) : String(Math.round(km)) });
  }

  /* The status line: one sentence, then buttons for what the rider can do about it ({label, run}). */
  function setStatus(text, isError, actions) {
    statusEl.textContent = "";
    statusEl.appendChild(node("span", "status-text", text || ""));
    statusEl.className = "status" + (isError ? " is-error" : "");
    (actions || []).forEach(function (action) {
      var b = node("button", "btn btn-small", action.label);
      b.type = "button";
      b.addEventListener("click", action.run);
      statusEl.appendChild(b);
    });
  }

  function filtersOn() {
    return state.openNow || state.amenities.length > 0;
  }

  /* "开放中 · 卫生间": the chips may have scrolled away, so the status line names them. */
  function filterSummary() {
    var words = state.openNow ? [T.openNow] : [];
    state.amenities.forEach(function (c) {
      if (byCode[c]) words.push(byCode[c].label);
    });
    return words.join(" · ");
  }

  function badge(text, kind) {
    return node("span", "badge " + kind, text);
  }

  function safeLink(href) {
    return typeof href === "string" && href.indexOf("https://") === 0 ? href : null;
  }

  function item(s) {
    var li = node("li", "station");
    li.dataset.id = String(s.id);
    var head = node("div", "station-head");
    var title = node("h2", "station-title");
    var a = node("a", "", s.name);
    a.href = urls.station + encodeURIComponent(s.id);
    title.appendChild(a);
    head.appendChild(title);
    if (typeof s.distance_m === "number") head.appendChild(node("span", "distance", formatDistance(s.distance_m)));
    li.appendChild(head);
    if (s.address) li.appendChild(node("p", "address", s.address));

    var badges = node("p", "badges");
    if (s.status === "temporarily_closed") badges.appendChild(badge(T.temporarilyClosed, "badge-closed"));
    else if (s.status === "closed") badges.appendChild(badge(T.closed, "badge-closed"));
    else if (s.open_now && s.closes_at && s.closes_in_min <= CLOSING_SOON_MIN) {
      badges.appendChild(badge(fill(T.openUntil, { time: s.closes_at }), "badge-open badge-soon"));
    } else badges.appendChild(s.open_now ? badge(T.openNow, "badge-open") : badge(T.closedNow, "badge-closed"));
    // A rider should not ride to a door that will not open for them.
    if (s.access && s.access !== "public") badges.appendChild(badge(T.membersOnly, "badge-access"));
    // How busy it is now, in words (never a head-count); none when not open or too little data.
    var busyKey = "busy_" + s.busy;
    if (s.status === "open" && Object.prototype.hasOwnProperty.call(T, busyKey)) {
      badges.appendChild(badge(T[busyKey], "badge-busy busy-" + s.busy));
    }
    li.appendChild(badges);

    var codes = (s.amenities || []).filter(function (c) { return byCode[c]; });
    if (codes.length) {
      var ul = node("ul", "amenities");
      codes.forEach(function (c) {
        var am = node("li");
        am.dataset.code = c;
        var icon = node("span", "", byCode[c].icon);
        icon.setAttribute("aria-hidden", "true");
        am.appendChild(icon);
        am.appendChild(document.createTextNode(" " + byCode[c].label));
        ul.appendChild(am);
      });
      li.appendChild(ul);
    }

    var nav = node("nav", "nav-buttons");
    nav.setAttribute("aria-label", T.navigate);
    ["amap", "baidu", "apple"].forEach(function (k) {
      var href = safeLink(s.nav && s.nav[k]);
      if (!href) return;
      var link = node("a", "btn nav-" + k, T[k]);
      link.href = href;
      link.rel = "noopener noreferrer";
      nav.appendChild(link);
    });
    li.appendChild(nav);
    return li;
  }

  /* What the list shows, with the active filters first and a way out of an empty answer. */
  function listStatus(list, kind, total) {
    var n = list.length;
    var actions = [];
    var text;
    if (kind !== "nearest" && !state.openNow && typeof total === "number" && total > n) {
      text = fill(T.searchMore, { shown: n, n: total });
    } else if (filtersOn()) text = !n ? T.emptyNearest : n === 1 ? T.filteredOne : fill(T.filteredCount, { n: n });
    else if (!n) text = kind === "search" && state.region ? T.emptyRegion : T.emptySearch;
    else if (kind === "nearest") text = n === 1 ? T.nearestOne : fill(T.nearestCount, { n: n });
    else text = n === 1 ? T.searchOne : fill(T.searchCount, { n: n });
    if (filtersOn()) {
      text = filterSummary() + " · " + text;
      actions.push({ label: T.clearFilters, run: R.clearFilters });
    }
    if (!n && kind === "search" && state.region) actions.push({ label: T.searchEverywhere, run: R.searchEverywhere });
    setStatus(text, false, actions);
  }

  function render(body, kind) {
    var list = body.stations || [];
    // The nearest search filters on the server; a district or name search is filtered here.
    if (state.openNow && kind !== "nearest") list = list.filter(function (s) { return s.open_now; });
    results.removeAttribute("aria-busy");
    results.textContent = "";
    state.stations = list;
    listStatus(list, kind, body.total);
    var frag = document.createDocumentFragment();
    list.forEach(function (s) {
      frag.appendChild(item(s));
    });
    results.appendChild(frag);
    // Riders' open reports and a report link per station: after the list, as the map.
    window.SFLoad.script(urls.reportListJs)
      .then(function () { window.SFReportList.show(results); })
      .catch(function () {});
    // The list is on screen: only now spend the signal and battery on the map.
    (window.requestIdleCallback || setTimeout)(R.showMap);
  }

  R.node = node;
  R.fill = fill;
  R.formatDistance = formatDistance;
  R.setStatus = setStatus;
  R.render = render;
})();
