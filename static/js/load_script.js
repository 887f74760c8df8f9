/* Load a script once: SFLoad.script(url) resolves when it has run and rejects when it cannot load.
 * Callers asking for the same URL share one request; a failed URL is forgotten so a later call
 * (after the signal is back) tries again. Used by rider*.js, offline.js, checkin.js and map.js. */
(function () {
  "use strict";

  // A second copy on the page would start a second table and load every script twice.
  if (window.SFLoad) return;

  var loading = {};

  function script(url) {
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = resolve;
        s.onerror = function () {
          delete loading[url];
          reject(new Error("could not load " + url));
        };
        document.head.appendChild(s);
      });
    }
    return loading[url];
  }

  window.SFLoad = { script: script };
})();
