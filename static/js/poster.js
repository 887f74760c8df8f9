// The poster print page: a Print button (inline handlers are not allowed by the CSP).
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
