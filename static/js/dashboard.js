/* Dashboard map: circles sized by use, drawn with the shared SFMap helper (Leaflet, lazily loaded).
 * Data comes from <script type="application/json" id="dash-map-data">; labels are untrusted text. */
(function () {
  "use strict";

  function radius(count, max) {
    // Area, not radius, follows the count, so a station with 4x the use looks 4x as big.
    return max ? 4 + 22 * Math.sqrt(count / max) : 4;
  }

  function popup(point, word) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = point.label || point.key;
    box.appendChild(name);
    var figure = document.createElement("div");
    figure.textContent = point.count + " " + word;
    box.appendChild(figure);
    return box;
  }

  function draw(el, data) {
    var points = data.points.filter(function (p) {
      return typeof p.lat === "number" && typeof p.lon === "number";
    });
    var handle = window.SFMap.create(el, {
      fit: points.length ? points : null,
      zoom: 12,
      tilesFailedText: el.dataset.tilesFailed,
    });
    var L = window.L;
    var max = points.reduce(function (m, p) {
      return Math.max(m, p.count);
    }, 0);
    var layer = L.layerGroup().addTo(handle.map);
    // Draw big circles first so small ones stay clickable on top.
    points
      .slice()
      .sort(function (a, b) {
        return b.count - a.count;
      })
      .forEach(function (p) {
        var at = window.SFMap.toTiles(el, p.lat, p.lon);
        L.circleMarker(L.latLng(at[0], at[1]), {
          radius: radius(p.count, max),
          color: "#7f0000",
          weight: 1,
          fillColor: p.count ? "#b71c1c" : "#9e9e9e",
          fillOpacity: 0.55,
        })
          .bindPopup(popup(p, el.dataset.checkinsWord || ""))
          .addTo(layer);
      });
    el.dataset.circles = String(points.length);
  }

  if (window.SFMap) window.SFMap.drawFromPage("dash-map", "dash-map-data", draw);
})();
