/* The rider pages' service worker, rendered by stationfinder/rider/pwa_routes.py (its URLs come
 * from url_for; VERSION hashes what it precaches, so any change installs a new worker).
 *
 * - The shell (the rider page, the offline pages, their CSS and JS, Leaflet) is precached in a
 *   cache named with the version; activate deletes the other versions' caches.
 * - Navigations to rider pages go to the network first and fall back to a kept copy, so a phone
 *   with a signal always gets the current page: an update never leaves a stale shell.
 * - Only "/", "/stations/<key>" and the offline pages are kept, and never an answer marked
 *   no-store or private. Check-in pages carry a CSRF token tied to a session: never kept; without
 *   a network /c/<token> gets the check-in shell. API answers, staff pages and everything else
 *   pass straight through.
 * - A check-in tap that cannot reach the server is queued in IndexedDB (offline_store.js) and sent
 *   by the pages (online event, next load) or by Background Sync here.
 */
"use strict";

importScripts({{ store_js|tojson }});

var VERSION = {{ version|tojson }};
var SHELL = "sf-shell-" + VERSION;
var PAGES = "sf-pages-" + VERSION;
var ASSETS = {{ assets|tojson }};
var INDEX = {{ index|tojson }};
var OFFLINE = {{ offline|tojson }};
var CHECKIN_SHELL = {{ checkin_shell|tojson }};
var STATION_PREFIX = {{ station_prefix|tojson }};
var CHECKIN_PREFIX = {{ checkin_prefix|tojson }};
var KEPT_NOTE = {{ kept_note|tojson }};
// Station pages the rider opened stay readable offline; the oldest goes first past this many.
var MAX_PAGES = 30;
// A weak signal can hold a page for minutes: after this long a kept copy is shown instead.
var PAGE_WAIT_MS = 8000;
// The same wait as rider.js gives the API before a check-in tap is queued instead.
var CHECKIN_WAIT_MS = 20000;
var SYNC_TAG = "sf-checkins";

var assetUrls = {};
ASSETS.forEach(function (url) {
  assetUrls[new URL(url, self.location.href).href] = true;
});

self.addEventListener("install", function (event) {
  var urls = ASSETS.concat([INDEX, OFFLINE, CHECKIN_SHELL]);
  event.waitUntil(
    caches
      .open(SHELL)
      .then(function (cache) {
        // Revalidated, so an HTTP cache cannot put an older file under the new version.
        return cache.addAll(urls.map(function (url) { return new Request(url, { cache: "no-cache" }); }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) { return name.indexOf("sf-") === 0 && name !== SHELL && name !== PAGES; })
            .map(function (name) { return caches.delete(name); })
        );
      })
      .then(function () { return self.clients.claim(); })
  );
});

/* "index", "station", "checkin" or "shell" for a rider page this worker serves; null otherwise. */
function pageKind(path) {
  if (path === INDEX) return "index";
  if (path === OFFLINE || path === CHECKIN_SHELL) return "shell";
  var prefixes = [[STATION_PREFIX, "station"], [CHECKIN_PREFIX, "checkin"]];
  for (var i = 0; i < prefixes.length; i++) {
    var rest = path.indexOf(prefixes[i][0]) === 0 ? path.slice(prefixes[i][0].length) : null;
    if (rest && rest.indexOf("/") < 0) return prefixes[i][1];
  }
  return null;
}

function keepable(kind, response) {
  if (kind === "checkin" || !response.ok || response.type !== "basic" || response.redirected) return false;
  return !/no-store|private/i.test(response.headers.get("Cache-Control") || "");
}

function keep(kind, key, response) {
  var stamped = response;
  if (kind === "station") {
    // A station page says "open now" and how busy it is: offline it must say how old that is.
    var headers = new Headers(response.headers);
    headers.set("X-Kept-At", String(Date.now()));
    stamped = new Response(response.body, { status: response.status, statusText: response.statusText, headers: headers });
  }
  return caches.open(kind === "station" ? PAGES : SHELL).then(function (cache) {
    return cache.put(key, stamped).then(function () {
      if (kind !== "station") return null;
      return cache.keys().then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (k) { return cache.delete(k); }));
      });
    });
  });
}

/* A kept station page with "离线 · 页面保存于 HH:MM" at the top of its content. */
function noted(response) {
  var at = new Date(Number(response.headers.get("X-Kept-At")));
  var time = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
  return response.text().then(function (html) {
    var lang = (/<html lang="([^"]+)"/.exec(html) || [])[1];
    var note = (KEPT_NOTE[lang] || KEPT_NOTE["zh-CN"]).replace("%(time)s", time);
    var banner = '<p class="notice" role="status" data-kept-note>' + note.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</p>";
    var headers = new Headers(response.headers);
    // The body is already decoded text now.
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
    return new Response(html.replace('<main class="page">', '<main class="page">' + banner), {
      status: response.status,
      statusText: response.statusText,
      headers: headers,
    });
  });
}

/* The kept copy of a page (final: else the offline page, else a plain 503). */
function kept(kind, key, final) {
  return caches.match(kind === "checkin" ? CHECKIN_SHELL : key).then(function (found) {
    if (found && kind === "station" && found.headers.get("X-Kept-At")) return noted(found);
    if (found || !final) return found;
    return caches.match(OFFLINE).then(function (page) {
      return page || new Response("Offline / 没有网络", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    });
  });
}

function navigate(event, kind, url) {
  // "/?lang=en" and "/" are one page: the language lives in a cookie once switched.
  var key = kind === "index" ? INDEX : url.pathname;
  var caching = null;
  var network = fetch(event.request).then(function (response) {
    if (keepable(kind, response)) caching = keep(kind, key, response.clone());
    return response;
  });
  event.waitUntil(network.then(function () { return caching; }).catch(function () {}));
  var slow = new Promise(function (resolve) { setTimeout(resolve, PAGE_WAIT_MS); })
    .then(function () { return kept(kind, key, false); })
    .then(function (found) { return found || new Promise(function () {}); });
  return Promise.race([network.catch(function () { return kept(kind, key, true); }), slow]);
}

/* A check-in tap: to the server if it answers in time, else queued and shown on the shell. */
function checkIn(event, url) {
  var copy = event.request.clone();
  var timeout = new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error("no answer")); }, CHECKIN_WAIT_MS);
  });
  return Promise.race([fetch(event.request), timeout]).catch(function () {
    // A tap that did reach the server is sent again later: the server's dedupe counts it once.
    return copy
      .formData()
      .then(function (form) { return SFStore.queueCheckin(url.pathname, form.get("category")); })
      .then(function () { return self.registration.sync && self.registration.sync.register(SYNC_TAG); })
      .catch(function () {})
      .then(function () { return Response.redirect(url.pathname, 303); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    var kind = pageKind(url.pathname);
    if (kind === "checkin" && request.method === "POST") event.respondWith(checkIn(event, url));
    else if (kind && request.method === "GET") event.respondWith(navigate(event, kind, url));
    return;
  }
  if (request.method === "GET" && assetUrls[url.href]) {
    event.respondWith(
      caches.match(request, { cacheName: SHELL, ignoreVary: true }).then(function (found) {
        return found || fetch(request);
      })
    );
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    SFStore.sendQueued().then(function (left) {
      // Rejecting asks the browser to try again later.
      if (left.waiting) throw new Error("still offline");
    })
  );
});
