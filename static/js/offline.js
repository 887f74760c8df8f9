/* The rider page without a network. rider.js loads this once the page is up: it registers the
 * service worker (after the first answer), sends check-ins queued on the phone, keeps the nearest 200 stations after each
 * nearest search (offline_store.js), and, when a search cannot reach the server, lists the kept
 * stations nearest first: distances and opening hours (hours.js) are worked out on the phone.
 * The settings and words come from #offline (templates/rider/index.html). window.SFOffline. */
(function () {
  "use strict";

  var box = document.getElementById("offline");
  if (!box || !window.Promise || !window.SFLoad) return;
  var cfg = box.dataset;
  var note = document.getElementById("offline-note");
  // Kept stations younger than this, covering every station just shown, are not fetched again.
  var FRESH_MS = 30 * 60 * 1000;
  var R = 6371008.8; // mean Earth radius, metres
  var keeping = false;
  // What to do when the signal comes back: the search that fell back to the kept stations.
  var retryOnline = null;

  // load_script.js comes before rider.js, which loads this file.
  var script = window.SFLoad.script;
  var ready = Promise.all([script(cfg.storeJs), script(cfg.hoursJs)]).then(function () {
    return window.SFStore;
  });

  // The worker's precache (Leaflet among it) must not compete with the first answer on a weak
  // signal: it is registered once a search has been answered and shown (keep), not with the page.
  var registered = false;
  function register() {
    if (registered || !("serviceWorker" in navigator)) return;
    registered = true;
    navigator.serviceWorker.register(cfg.sw).catch(function () {});
  }

  function flush() {
    ready.then(function (store) { return store.sendQueued(); }).catch(function () {});
  }
  flush();
  window.addEventListener("online", function () {
    flush();
    var retry = retryOnline;
    retryOnline = null;
    if (retry) retry();
  });

  /* Great-circle metres: within 0.5 % of the server's WGS-84 geodesic, enough to rank and show. */
  function metres(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b.lat - a.lat) * rad;
    var dLon = (b.lon - a.lon) * rad;
    var h =
      Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* A kept station: what does not depend on the search (distance, open now) and the route links. */
  function kept(s) {
    var nav = s.nav || {};
    return {
      id: s.id,
      name: s.name,
      address: s.address,
      lat: s.lat,
      lon: s.lon,
      amenities: s.amenities || [],
      opening_hours: s.opening_hours,
      status: s.status,
      access: s.access,
      is_demo: s.is_demo,
      nav: { amap: nav.amap, baidu: nav.baidu, apple: nav.apple },
    };
  }

  function hideNote() {
    retryOnline = null;
    if (note) note.hidden = true;
  }

  function two(n) {
    return ("0" + n).slice(-2);
  }

  function showNote(savedAt) {
    if (!note) return;
    var at = new Date(savedAt);
    var time = two(at.getHours()) + ":" + two(at.getMinutes());
    if (at.toDateString() !== new Date().toDateString()) {
      time = at.toLocaleDateString(document.documentElement.lang, { month: "numeric", day: "numeric" }) + " " + time;
    }
    note.textContent = cfg.note.replace("%(time)s", time);
    note.hidden = false;
  }

  /* After a nearest answer: keep the area's 200 nearest, unless the copy is fresh and covers it. */
  function keep(position, shown) {
    register();
    hideNote();
    if (!position || keeping) return;
    keeping = true;
    ready
      .then(function (store) {
        return store.stations().then(function (saved) {
          var ids = {};
          (saved ? saved.stations : []).forEach(function (s) { ids[s.id] = true; });
          var covered = (shown || []).every(function (s) { return ids[s.id]; });
          if (saved && covered && Date.now() - saved.savedAt < FRESH_MS) return null;
          var query = "lat=" + position.lat.toFixed(6) + "&lon=" + position.lon.toFixed(6) +
            "&limit=" + cfg.limit + "&prefetch=true";
          return fetch(cfg.nearest + "?" + query, { headers: { Accept: "application/json" } })
            .then(function (r) {
              if (!r.ok) throw new Error("HTTP " + r.status);
              return r.json();
            })
            .then(function (body) { return store.saveStations((body.stations || []).map(kept), Date.now()); });
        });
      })
      .catch(function () {
        // The copy is a bonus: without it the last one stays.
      })
      .then(function () { keeping = false; });
  }

  /* The kept stations as a nearest answer ({stations}), or null when none are kept. */
  function nearest(position, filters, retry) {
    if (!position) return Promise.resolve(null);
    return ready
      .then(function (store) { return store.stations(); })
      .then(function (saved) {
        if (!saved || !saved.stations.length) return null;
        var now = new Date();
        var wanted = filters.amenities || [];
        var list = saved.stations
          .filter(function (s) {
            // As the server's search: closed stations never, every chosen amenity present.
            if (s.status === "closed") return false;
            return wanted.every(function (a) { return (s.amenities || []).indexOf(a) >= 0; });
          })
          .map(function (s) {
            var state = window.SFHours.openState(s.status, s.opening_hours, now, cfg.zone);
            var out = kept(s);
            out.distance_m = metres(position, s);
            out.open_now = state.open_now;
            out.closes_at = state.closes_at;
            out.closes_in_min = state.closes_in_min;
            return out;
          })
          .filter(function (s) { return !filters.openNow || s.open_now; })
          .sort(function (a, b) { return a.distance_m - b.distance_m; })
          .slice(0, filters.limit);
        showNote(saved.savedAt);
        retryOnline = retry || null;
        return { stations: list };
      })
      .catch(function () { return null; });
  }

  window.SFOffline = { keep: keep, nearest: nearest };
})();
