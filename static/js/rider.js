/* The rider page: locate, list the nearest stations, then (only then) load the map.
 * Station fields are untrusted: they only ever reach the page through textContent.
 * The rider's position stays in memory; it is sent to the nearest search and never stored. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("page-data").textContent);
  var T = data.text;
  // The card names the closing time when it is this close (the server sends closes_in_min).
  var CLOSING_SOON_MIN = 120;
  var urls = data.urls;
  var byCode = {};
  data.amenities.forEach(function (a) {
    byCode[a.code] = a;
  });

  var $ = function (id) {
    return document.getElementById(id);
  };
  var chipsBox = $("chips");
  var statusEl = $("status");
  var results = $("results");
  var searchForm = $("search");
  var searchWhy = $("search-why");
  var regionsBox = $("regions");
  var qInput = $("q");
  var mapEl = $("map");
  var locateHelp = $("locate-help");

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

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      (Array.isArray(v) ? v : [v]).forEach(function (one) {
        if (one !== "" && one !== null && one !== undefined) {
          parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(one));
        }
      });
    });
    return parts.join("&");
  }

  function getJson(url) {
    var ctrl = window.AbortController ? new AbortController() : null;
    // A weak signal can stall a request for minutes; give up and offer a retry instead.
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, 20000) : null;
    var done = function () {
      if (timer) clearTimeout(timer);
    };
    return fetch(url, { headers: { Accept: "application/json" }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (r) {
        done();
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .catch(function (e) {
        done();
        throw e;
      });
  }

  /* Chips */
  var openChip = node("button", "chip chip-open", T.openNow);
  openChip.type = "button";
  openChip.setAttribute("aria-pressed", "false");
  openChip.addEventListener("click", function () {
    state.openNow = openChip.getAttribute("aria-pressed") !== "true";
    openChip.setAttribute("aria-pressed", state.openNow ? "true" : "false");
    refresh();
  });
  chipsBox.appendChild(openChip);

  data.amenities.forEach(function (a) {
    var b = node("button", "chip", a.icon + " " + a.label);
    b.type = "button";
    b.setAttribute("aria-pressed", "false");
    b.dataset.code = a.code;
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      state.amenities = Array.prototype.map.call(chipsBox.querySelectorAll(".chip[aria-pressed='true']"), function (c) {
        return c.dataset.code;
      });
      refresh();
    });
    chipsBox.appendChild(b);
  });

  function refresh() {
    if (state.mode === "nearest" && state.position) loadNearest();
    else if (state.mode === "search" && state.searched) runSearch();
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

  function clearFilters() {
    Array.prototype.forEach.call(chipsBox.querySelectorAll(".chip"), function (c) {
      c.setAttribute("aria-pressed", "false");
    });
    state.openNow = false;
    state.amenities = [];
    refresh();
  }

  /* Location; explicit: the rider tapped the button (else it is the automatic first try). */
  function locate(explicit) {
    if (!navigator.geolocation) {
      locationFailed("unavailable");
      return;
    }
    var attempt = ++state.locateSeq;
    var listSeq = state.seq;
    var failed = false;
    setStatus(T.locating);
    locateHelp.hidden = true;
    // The browser's timeout only runs once permission is given: an unanswered prompt, or a
    // WebView that never calls back, would keep "locating" on screen for good without this.
    var watchdog = setTimeout(function () {
      if (attempt !== state.locateSeq) return;
      failed = true;
      locationFailed("timeout");
    }, data.locateTimeoutMs + 2000);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        if (attempt !== state.locateSeq) return;
        clearTimeout(watchdog);
        state.position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
        // A late fix must not throw away a search the rider has started meanwhile.
        if (state.searched && explicit !== true) return;
        if (failed && state.seq !== listSeq) return;
        state.mode = "nearest";
        searchForm.hidden = true;
        locateHelp.hidden = true;
        loadNearest();
      },
      function (err) {
        if (attempt !== state.locateSeq || failed) return;
        clearTimeout(watchdog);
        failed = true;
        var code = err && err.code;
        locationFailed(code === 1 ? "denied" : code === 3 ? "timeout" : "unavailable");
      },
      // Network positioning is enough to rank stations and spares a low battery the GPS; without a
      // network it cannot answer, and the kept stations (offline.js) need a fix: then ask the GPS.
      { enableHighAccuracy: navigator.onLine === false, timeout: data.locateTimeoutMs, maximumAge: 60000 }
    );
  }

  /* Say why there is no position and how to turn location on; whatever list is shown stays usable. */
  function locationFailed(kind) {
    var text = T[kind];
    var listShown = state.stations.length > 0 || state.searched;
    // Said once: in the status line above a list, else at the top of the search form.
    showSearch(listShown ? "" : text);
    setStatus(listShown ? text : "", listShown);
    locateHelp.hidden = false;
  }

  function loadNearest() {
    var p = state.position;
    var url = urls.nearest + "?" + query({
      lat: p.lat.toFixed(6),
      lon: p.lon.toFixed(6),
      limit: data.nearestLimit,
      amenity: state.amenities,
      open_now: state.openNow ? "true" : "",
    });
    load(url, "nearest");
  }

  /* District and name search */
  function showSearch(reason) {
    searchForm.hidden = false;
    searchWhy.textContent = reason || "";
    if (!state.stations.length && !state.searched) setStatus("");
    if (!state.regionsLoaded) loadRegions("", 0);
  }

  function clearSelects(fromDepth) {
    Array.prototype.slice.call(regionsBox.querySelectorAll("select")).forEach(function (s) {
      if (Number(s.dataset.depth) >= fromDepth) s.remove();
    });
  }

  function chosenRegion() {
    var value = "";
    Array.prototype.forEach.call(regionsBox.querySelectorAll("select"), function (s) {
      if (s.value) value = s.value;
    });
    return value;
  }

  function loadRegions(parent, depth) {
    getJson(urls.regions + (parent ? "?" + query({ parent: parent }) : ""))
      .then(function (body) {
        state.regionsLoaded = true;
        addSelect(body.regions || [], depth);
      })
      .catch(function () {
        // Name search still works without the district list.
        state.regionsLoaded = false;
      });
  }

  function addSelect(items, depth) {
    clearSelects(depth);
    if (!items.length) return;
    var sel = node("select");
    sel.id = "region-" + depth;
    sel.dataset.depth = String(depth);
    sel.appendChild(new Option(depth === 0 ? T.choose : T.all, ""));
    items.forEach(function (r) {
      var o = new Option(r.name, r.code);
      o.dataset.leaf = r.leaf ? "1" : "0";
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () {
      clearSelects(depth + 1);
      var opt = sel.options[sel.selectedIndex];
      if (sel.value && opt.dataset.leaf !== "1") loadRegions(sel.value, depth + 1);
      runSearch();
    });
    regionsBox.appendChild(sel);
  }

  function searchEverywhere() {
    clearSelects(1);
    var first = regionsBox.querySelector("select");
    if (first) first.value = "";
    runSearch();
  }

  function runSearch() {
    state.mode = "search";
    state.searched = true;
    state.region = chosenRegion();
    state.q = qInput.value.trim();
    var url = urls.search + "?" + query({
      region: state.region,
      q: state.q,
      amenity: state.amenities,
      limit: data.searchLimit,
    });
    load(url, "search");
  }

  /* The list */
  function load(url, kind) {
    var seq = ++state.seq;
    setStatus(T.loading);
    results.setAttribute("aria-busy", "true");
    getJson(url)
      .then(function (body) {
        if (seq !== state.seq) return;
        render(body, kind);
        if (kind === "nearest") withOffline(function (o) { o.keep(state.position, body.stations); });
      })
      .catch(function () {
        if (seq !== state.seq) return;
        // No answer: the stations kept on the phone by an earlier nearest search, if any.
        var filters = { amenities: state.amenities, openNow: state.openNow, limit: data.nearestLimit };
        var kept = kind !== "nearest" ? null : withOffline(function (o) { return o.nearest(state.position, filters, loadNearest); });
        Promise.resolve(kept).then(function (body) {
          if (seq !== state.seq) return;
          if (body) return render(body, kind);
          results.removeAttribute("aria-busy");
          results.textContent = "";
          setStatus(T.error, true, [{ label: T.retry, run: kind === "nearest" ? loadNearest : runSearch }]);
        });
      });
  }

  /* The offline copy (static/js/offline.js): run(SFOffline) once it is loaded; null without it. */
  var offlineBox = $("offline");
  function withOffline(run) {
    if (!offlineBox || !window.indexedDB) return Promise.resolve(null);
    return script(offlineBox.getAttribute("data-js"))
      .then(function () { return window.SFOffline ? run(window.SFOffline) : null; })
      .catch(function () { return null; });
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
      actions.push({ label: T.clearFilters, run: clearFilters });
    }
    if (!n && kind === "search" && state.region) actions.push({ label: T.searchEverywhere, run: searchEverywhere });
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
    script(urls.reportListJs)
      .then(function () { window.SFReportList.show(results); })
      .catch(function () {});
    // The list is on screen: only now spend the signal and battery on the map.
    (window.requestIdleCallback || setTimeout)(showMap);
  }

  /* The map, loaded after the list */
  var scripts = {};
  function script(url) {
    if (!scripts[url]) {
      scripts[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = resolve;
        s.onerror = function () {
          delete scripts[url];
          reject(new Error(url));
        };
        document.head.appendChild(s);
      });
    }
    return scripts[url];
  }

  function mapReady(points) {
    if (!state.map) {
      state.map = script(urls.coordsJs)
        .then(function () { return script(urls.mapJs); })
        .then(function () { return window.SFMap.load(mapEl); })
        .then(function () {
          mapEl.hidden = false;
          return window.SFMap.create(mapEl, { fit: points, tilesFailedText: T.tilesFailed });
        })
        .catch(function () {
          // No map is a lesser page, not a broken one: the list already works.
          state.map = null;
          mapEl.hidden = true;
          return null;
        });
    }
    return state.map;
  }

  function showMap() {
    var points = state.stations.map(function (s) {
      return {
        lat: s.lat,
        lon: s.lon,
        label: s.name,
        href: urls.station + encodeURIComponent(s.id),
        detail: typeof s.distance_m === "number" ? formatDistance(s.distance_m) : s.address || "",
      };
    });
    var me = state.mode === "nearest" && state.position ? state.position : null;
    var all = me ? points.concat([me]) : points;
    mapReady(all).then(function (m) {
      if (!m) return;
      m.setPoints(points);
      m.clearMarkers();
      if (me) m.addMarker({ lat: me.lat, lon: me.lon, label: T.you }, "me");
      m.refresh();
      m.fit(all, 16);
    });
  }

  $("locate").addEventListener("click", function () {
    locate(true);
  });
  $("show-search").addEventListener("click", function () {
    showSearch("");
    qInput.focus();
  });
  searchForm.addEventListener("submit", function (e) {
    e.preventDefault();
    runSearch();
  });

  locate();
  // The service worker and check-ins queued offline need offline.js on every visit, list or not.
  window.addEventListener("load", function () {
    withOffline(function () {});
  });
})();
