/* The rider page, last of its three scripts (after rider_list.js and rider_filters.js; SFRider is
 * described in rider_list.js): locate, ask the server, list the nearest stations, then (only then)
 * load the map. The rider's position stays in memory; it is sent to the nearest search and never
 * stored. */
(function () {
  "use strict";

  var R = window.SFRider;
  var data = R.data;
  var T = R.text;
  var urls = R.urls;
  var state = R.state;
  var setStatus = R.setStatus;
  var results = R.$("results");
  var searchForm = R.$("search");
  var mapEl = R.$("map");
  var locateHelp = R.$("locate-help");

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
    R.showSearch(listShown ? "" : text);
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

  /* The list */
  function load(url, kind) {
    var seq = ++state.seq;
    setStatus(T.loading);
    results.setAttribute("aria-busy", "true");
    getJson(url)
      .then(function (body) {
        if (seq !== state.seq) return;
        R.render(body, kind);
        if (kind === "nearest") withOffline(function (o) { o.keep(state.position, body.stations); });
      })
      .catch(function () {
        if (seq !== state.seq) return;
        // No answer: the stations kept on the phone by an earlier nearest search, if any.
        var filters = { amenities: state.amenities, openNow: state.openNow, limit: data.nearestLimit };
        var kept = kind !== "nearest" ? null : withOffline(function (o) { return o.nearest(state.position, filters, loadNearest); });
        Promise.resolve(kept).then(function (body) {
          if (seq !== state.seq) return;
          if (body) return R.render(body, kind);
          results.removeAttribute("aria-busy");
          results.textContent = "";
          setStatus(T.error, true, [{ label: T.retry, run: kind === "nearest" ? loadNearest : R.runSearch }]);
        });
      });
  }

  /* The offline copy (static/js/offline.js): run(SFOffline) once it is loaded; null without it. */
  var offlineBox = R.$("offline");
  function withOffline(run) {
    if (!offlineBox || !window.indexedDB) return Promise.resolve(null);
    return window.SFLoad.script(offlineBox.getAttribute("data-js"))
      .then(function () { return window.SFOffline ? run(window.SFOffline) : null; })
      .catch(function () { return null; });
  }

  /* The map, loaded after the list */
  function mapReady(points) {
    if (!state.map) {
      state.map = window.SFLoad.script(urls.coordsJs)
        .then(function () { return window.SFLoad.script(urls.mapJs); })
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
        detail: typeof s.distance_m === "number" ? R.formatDistance(s.distance_m) : s.address || "",
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

  R.query = query;
  R.getJson = getJson;
  R.loadNearest = loadNearest;
  R.load = load;
  R.showMap = showMap;

  R.$("locate").addEventListener("click", function () {
    locate(true);
  });

  locate();
  // The service worker and check-ins queued offline need offline.js on every visit, list or not.
  window.addEventListener("load", function () {
    withOffline(function () {});
  });
})();
