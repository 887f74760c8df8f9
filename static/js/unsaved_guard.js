/* Unsaved edits on the station form (templates/manage/station_form.html).
 *
 * The server already saves and confirms in one step, and works without this file. Here the confirm
 * button says that it will save the edits too, and leaving the page with edits not saved asks first.
 */
(function () {
  "use strict";

  var form = document.getElementById("station-form");
  if (!form) return;
  var button = document.querySelector("[data-confirm-button]");
  var hint = document.querySelector("[data-dirty-hint]");
  var cleanLabel = button ? button.textContent : "";

  function snapshot() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  var initial = snapshot();
  // The server sent the form back with edits it has not saved: they count as unsaved from the start.
  var sentBackUnsaved = form.hasAttribute("data-unsaved");
  var submitting = false;

  function dirty() {
    return sentBackUnsaved || snapshot() !== initial;
  }

  function show() {
    var changed = dirty();
    if (button) button.textContent = changed ? button.dataset.dirtyLabel : cleanLabel;
    if (hint) hint.hidden = !changed;
  }

  form.addEventListener("input", show);
  form.addEventListener("change", show);
  // Some widgets set a value without an input event; leaving a field catches most of them.
  form.addEventListener("focusout", show);
  form.addEventListener("submit", function () {
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  show();
})();
