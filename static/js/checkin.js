// Check-in page helpers. The page works without this script; it only prevents double taps,
// remembers the rider group, offers the optional location check and hides "undo" once it expires.
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

  var form = document.querySelector("[data-checkin-form]");
  if (form) { setUpForm(form); }
  var undo = document.querySelector("[data-undo-form]");
  if (undo) { setUpUndo(undo); }
}());
