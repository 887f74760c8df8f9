/* What the rider app keeps on the phone (IndexedDB), for the pages and the service worker alike:
 * - stations: the nearest 200 of the last search, as the API shaped them minus the search's own
 *   fields, replaced as a whole, with the time they were saved;
 * - posters: the station name of each check-in page the phone opened, for the offline shell;
 * - checkins: taps made without a network, until sent, refused, or too old to count honestly.
 * No position of the rider is kept, only the stations'. window.SFStore (self.SFStore in the worker).
 *
 * A queued tap is sent as the page sends it: GET /c/<token> for a fresh CSRF token (the phone's
 * device cookie comes along), then POST the form. The server records the time it arrives, not
 * the time of the tap, so a tap older than MAX_AGE_MIN is dropped rather than counted late. */
(function (root) {
  "use strict";

  var DB_NAME = "stationfinder";
  var DB_VERSION = 1;
  // Later than this, a visit would be counted in the wrong hour and "busy now" would be wrong.
  var MAX_AGE_MIN = 60;
  // A sent, refused or expired tap is shown once on its check-in page, or forgotten after a day.
  var KEEP_DONE_MS = 24 * 3600 * 1000;
  var MAX_POSTERS = 50;
  var CHANNEL = "sf-checkins";
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var req = root.indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = function () {
          var db = req.result;
          db.createObjectStore("stations", { keyPath: "id" });
          db.createObjectStore("meta", { keyPath: "key" });
          db.createObjectStore("posters", { keyPath: "path" });
          db.createObjectStore("checkins", { keyPath: "id", autoIncrement: true });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () {
          opening = null;
          reject(req.error);
        };
      });
    }
    return opening;
  }

  /* Run work(transaction) and, once the transaction has committed, resolve with what the function
   * it returned gives (requests' results are readable then). */
  function tx(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode);
        var result = null;
        t.oncomplete = function () { resolve(result ? result() : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
        result = work(t);
      });
    });
  }

  function saveStations(stations, savedAt) {
    return tx(["stations", "meta"], "readwrite", function (t) {
      var store = t.objectStore("stations");
      store.clear();
      stations.forEach(function (s) { store.put(s); });
      t.objectStore("meta").put({ key: "stations", savedAt: savedAt, count: stations.length });
    });
  }

  /* {stations, savedAt}, or null when nothing is kept. */
  function stations() {
    return tx(["stations", "meta"], "readonly", function (t) {
      var all = t.objectStore("stations").getAll();
      var meta = t.objectStore("meta").get("stations");
      return function () {
        return meta.result ? { stations: all.result, savedAt: meta.result.savedAt } : null;
      };
    });
  }

  function rememberPoster(path, name, address) {
    return tx(["posters"], "readwrite", function (t) {
      var store = t.objectStore("posters");
      store.put({ path: path, name: name, address: address || "", at: Date.now() });
      store.getAll().onsuccess = function (e) {
        var old = e.target.result.sort(function (a, b) { return b.at - a.at; }).slice(MAX_POSTERS);
        old.forEach(function (p) { store.delete(p.path); });
      };
    });
  }

  function poster(path) {
    return tx(["posters"], "readonly", function (t) {
      var req = t.objectStore("posters").get(path);
      return function () { return req.result || null; };
    });
  }

  function checkins(path) {
    return tx(["checkins"], "readonly", function (t) {
      var req = t.objectStore("checkins").getAll();
      return function () {
        return req.result.filter(function (c) { return !path || c.path === path; });
      };
    });
  }

  /* Queue a tap at the check-in page ``path``; a tap still waiting there is kept instead. */
  function queueCheckin(path, category) {
    return tx(["checkins"], "readwrite", function (t) {
      var store = t.objectStore("checkins");
      var id = null;
      store.getAll().onsuccess = function (e) {
        var waiting = e.target.result.filter(function (c) { return c.path === path && c.state === "waiting"; });
        if (waiting.length) {
          id = waiting[0].id;
          return;
        }
        var entry = { path: path, category: category || null, tappedAt: Date.now(), state: "waiting" };
        store.add(entry).onsuccess = function (added) { id = added.target.result; };
      };
      return function () { return id; };
    }).then(function (id) {
      announce();
      return id;
    });
  }

  function update(entry) {
    return tx(["checkins"], "readwrite", function (t) { t.objectStore("checkins").put(entry); });
  }

  function forget(id) {
    return tx(["checkins"], "readwrite", function (t) { t.objectStore("checkins").delete(id); });
  }

  function announce() {
    if (!root.BroadcastChannel) return;
    var channel = new root.BroadcastChannel(CHANNEL);
    channel.postMessage("changed");
    channel.close();
  }

  /* Call back whenever a tap is queued or its state changes, in any page or the worker. */
  function onChange(callback) {
    if (!root.BroadcastChannel) return;
    new root.BroadcastChannel(CHANNEL).onmessage = callback;
  }

  function csrfToken(html) {
    var input = /<input[^>]*name="csrf_token"[^>]*>/.exec(html);
    var value = input && /value="([^"]*)"/.exec(input[0]);
    return value ? value[1] : null;
  }

  /* The outcome of an answer whose body is not needed: dropped, so the connection is free. */
  function settle(response, outcome) {
    if (response.body) response.body.cancel().catch(function () {});
    return outcome;
  }

  /* Send one tap: "sent", "refused" (it can never count) or "retry"; rejects without a network. */
  function sendOne(entry) {
    var same = { credentials: "same-origin", cache: "no-store" };
    return fetch(entry.path, same).then(function (page) {
      if (page.status === 404 || page.status === 410) return settle(page, "refused");
      if (!page.ok) return settle(page, "retry");
      return page.text().then(function (html) {
        // A closed station's page has no check-in form: it counts nothing.
        if (!/<form[^>]*data-checkin-form/.test(html)) return "refused";
        var body = new URLSearchParams();
        var token = csrfToken(html);
        if (token !== null) body.set("csrf_token", token);
        if (entry.category) body.set("category", entry.category);
        var post = { method: "POST", body: body, credentials: "same-origin", cache: "no-store" };
        return fetch(entry.path, post).then(function (answer) {
          // Recorded (or already recorded): the form redirects to this device's confirmation.
          if (answer.ok && /\/(done|again)\/\d+/.test(new URL(answer.url).pathname)) return settle(answer, "sent");
          if (answer.status === 404 || answer.status === 409 || answer.status === 410) return settle(answer, "refused");
          return settle(answer, "retry");
        });
      });
    });
  }

  function locked(work) {
    var locks = root.navigator && root.navigator.locks;
    // Pages and the worker may flush at once; the server's dedupe makes an overlap harmless anyway.
    return locks ? locks.request("sf-checkins", work) : work();
  }

  /* Send every waiting tap, oldest first; resolve with {waiting: how many are left}. */
  function sendQueued() {
    return locked(function () {
      return checkins().then(function (all) {
        var now = Date.now();
        var waiting = all
          .filter(function (c) { return c.state === "waiting"; })
          .sort(function (a, b) { return a.tappedAt - b.tappedAt; });
        var stale = all.filter(function (c) { return c.state !== "waiting" && now - c.doneAt > KEEP_DONE_MS; });
        var left = waiting.length;
        var changed = false;
        var chain = Promise.all(stale.map(function (c) { return forget(c.id); }));
        waiting.forEach(function (entry) {
          chain = chain.then(function () {
            var step = now - entry.tappedAt > MAX_AGE_MIN * 60000 ? Promise.resolve("expired") : sendOne(entry);
            return step.then(function (outcome) {
              if (outcome === "retry") return null;
              left -= 1;
              changed = true;
              entry.state = outcome;
              entry.doneAt = Date.now();
              return update(entry);
            });
          });
        });
        // Without a network the first send rejects: the rest waits for the next chance.
        return chain
          .catch(function () {})
          .then(function () {
            if (changed) announce();
            return { waiting: left };
          });
      });
    });
  }

  root.SFStore = {
    MAX_AGE_MIN: MAX_AGE_MIN,
    saveStations: saveStations,
    stations: stations,
    rememberPoster: rememberPoster,
    poster: poster,
    checkins: checkins,
    queueCheckin: queueCheckin,
    forget: forget,
    onChange: onChange,
    sendQueued: sendQueued,
  };
})(self);
