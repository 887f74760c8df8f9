// Check-in page helpers. The page works without this script; it only prevents double taps,
// remembers the rider group, offers the optional location check and hides "undo" once it expires.
// Offline (static/js/offline_store.js, loaded with load_script.js): it says what became of a tap
// the service worker queued, sends queued taps when the signal is back, and fills in the check-in
// shell's station.
(function () {
  "use strict";

  var GROUP_KEY = "sf-checkin-group";

  function store(action) {
    try { return action(window.localStorage); } catch (e) { return null; }
  }

  function setUpForm(form) {
    var button = form.querySelector("[data-checkin-button]");
    form.addEventListener("submit", function () {
      // One tap, one request: a second tap on a slow network would only be deduplicated anyway.
      button.disabled = true;
      button.textContent = button.getAttribute("data-busy-label");
    });
    // Coming back with the browser's back button restores a disabled button from the page cache.
    window.addEventListener("pageshow", function () { button.disabled = false; });

    var saved = store(function (s) { return s.getItem(GROUP_KEY); });
    form.querySelectorAll("[data-group]").forEach(function (radio) {
      if (radio.value === saved) { radio.checked = true; }
      radio.addEventListener("change", function () {
        store(function (s) { s.setItem(GROUP_KEY, radio.value); });
      });
    });

    var near = form.querySelector("[data-near]");
    if (!near || !("geolocation" in navigator)) { return; }
    var box = form.querySelector("[data-near-box]");
    var status = form.querySelector("[data-near-status]");
    var lat = form.querySelector("[data-lat]");
    var lon = form.querySelector("[data-lon]");
    near.hidden = false;
    box.addEventListener("change", function () {
      lat.value = "";
      lon.value = "";
      if (!box.checked) { status.textContent = ""; return; }
      status.textContent = status.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = String(pos.coords.latitude);
        lon.value = String(pos.coords.longitude);
        status.textContent = status.getAttribute("data-located");
      }, function () {
        box.checked = false;
        status.textContent = status.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  function setUpUndo(form) {
    var until = Date.parse(form.getAttribute("data-undo-until"));
    if (isNaN(until)) { return; }
    var left = until - Date.now();
    if (left <= 0) { form.hidden = true; return; }
    window.setTimeout(function () { form.hidden = true; }, left);
  }

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* The latest tap queued at this poster, said once it is sent, refused or too old. */
  function showQueued(queue, box, path) {
    var notice = box.querySelector("[data-offline-notice]");
    return queue.checkins(path).then(function (list) {
      list.sort(function (a, b) { return b.tappedAt - a.tappedAt; });
      var latest = list[0];
      // Nothing queued (any more): what was said stays said.
      if (!latest) { return; }
      notice.hidden = false;
      notice.textContent = box.getAttribute("data-" + latest.state)
        .replace("%(time)s", clock(latest.tappedAt))
        .replace("%(n)s", String(queue.MAX_AGE_MIN));
      list.forEach(function (c) {
        if (c.state !== "waiting") { queue.forget(c.id); }
      });
      if (latest.state === "waiting" && "serviceWorker" in navigator) {
        // Background Sync sends it even if this page is closed before the signal is back.
        navigator.serviceWorker.ready.then(function (reg) {
          return reg.sync && reg.sync.register("sf-checkins");
        }).catch(function () {});
      }
    });
  }

  /* The shell knows its poster only by its address: the name comes from an earlier visit. */
  function fillShell(queue, box, path) {
    if (path === box.getAttribute("data-checkin-shell")) {
      // Opened at its own address rather than a poster's: there is nothing to check in to.
      box.querySelector("[data-checkin-form]").hidden = true;
      return Promise.resolve();
    }
    return queue.poster(path).then(function (known) {
      if (!known) { return; }
      box.querySelector("[data-shell-station]").textContent = known.name;
      box.querySelector("[data-shell-kicker]").hidden = false;
      var address = box.querySelector("[data-shell-address]");
      address.textContent = known.address;
      address.hidden = !known.address;
    });
  }

  function setUpOffline(box) {
    // Without load_script.js the form helpers below still run.
    if (!window.Promise || !window.indexedDB || !window.SFLoad) { return; }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(box.getAttribute("data-sw")).catch(function () {});
    }
    var path = box.getAttribute("data-poster") || window.location.pathname;
    window.SFLoad.script(box.getAttribute("data-offline-store")).then(function () {
      var queue = window.SFStore;
      var show = function () { return showQueued(queue, box, path).catch(function () {}); };
      var flush = function () { return queue.sendQueued().then(show, show); };
      var name = box.getAttribute("data-station-name");
      if (name) {
        queue.rememberPoster(path, name, box.getAttribute("data-station-address")).catch(function () {});
      } else if (box.hasAttribute("data-checkin-shell")) {
        fillShell(queue, box, path).catch(function () {});
      }
      queue.onChange(show);
      window.addEventListener("online", flush);
      show().then(flush);
    }).catch(function () {});
  }

  var offlineBox = document.querySelector("[data-offline-store]");
  if (offlineBox) { setUpOffline(offlineBox); }
  var form = document.querySelector("[data-checkin-form]");
  if (form) { setUpForm(form); }
  var undo = document.querySelector("[data-undo-form]");
  if (undo) { setUpUndo(undo); }
}());
