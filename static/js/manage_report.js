/* The map of a report's ticket page (templates/manage/report.html): one pin, where the report is.
 *
 * The position (WGS-84) comes in data-lat/data-lon and is also printed below the map, so the
 * page is complete without JavaScript, Leaflet or tiles.
 */
(function () {
  "use strict";

  var el = document.getElementById("report-map");
  if (!el || !window.SFMap) return;
  var lat = parseFloat(el.dataset.lat);
  var lon = parseFloat(el.dataset.lon);
  if (!isFinite(lat) || !isFinite(lon)) return;
  el.hidden = false;
  window.SFMap.load(el)
    .then(function () {
      var map = window.SFMap.create(el, {
        center: [lat, lon],
        zoom: 17,
        tilesFailedText: el.dataset.tilesFailedText,
      });
      map.addMarker({ lat: lat, lon: lon, label: el.dataset.label }, "selected");
    })
    .catch(function () {
      // Leaflet itself could not load: the numbers under the map still say where it is.
      el.hidden = true;
    });
})();
