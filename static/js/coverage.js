/* Coverage map: the uncovered area, stations with their reach, demand hexagons and suggested sites.
 * Data comes from <script type="application/json" id="cov-map-data">; the uncovered area, which can be
 * large for a province, is fetched from the coverage API (the session authenticates). Names are
 * untrusted: popups are built from text nodes. Every layer carries a cov-* class for styles and tests. */
(function () {
  "use strict";

  function text(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      var node = document.createElement(i === 0 ? "strong" : "div");
      node.textContent = line;
      box.appendChild(node);
    });
    return box;
  }

  function siteIcon(L, n) {
    var label = document.createElement("span");
    label.textContent = String(n);
    return L.divIcon({ className: "cov-site", html: label, iconSize: [30, 30], iconAnchor: [15, 15] });
  }

  function draw(el, data) {
    var L = window.L;
    var words = el.dataset;
    var handle = window.SFMap.create(el, {
      fit: [
        { lat: data.bounds[0][0], lon: data.bounds[0][1] },
        { lat: data.bounds[1][0], lon: data.bounds[1][1] },
      ],
      zoom: 15,
      tilesFailedText: words.tilesFailed,
    });
    var map = handle.map;
    function at(lat, lon) {
      var p = handle.toTiles(lat, lon);
      return L.latLng(p[0], p[1]);
    }
    var region = L.latLngBounds(at(data.bounds[0][0], data.bounds[0][1]), at(data.bounds[1][0], data.bounds[1][1]));
    // Paper is narrower than the screen: show the whole region again, at once, before the page is laid out.
    function fitRegion() {
      map.invalidateSize({ pan: false });
      map.fitBounds(region, { padding: [12, 12], animate: false });
    }
    // Whole zoom levels leave a city a quarter of the map; quarter steps let it fill the frame.
    map.options.zoomSnap = 0.25;
    fitRegion();
    window.addEventListener("beforeprint", fitRegion);
    var printing = window.matchMedia ? window.matchMedia("print") : null;
    if (printing && printing.addEventListener) {
      printing.addEventListener("change", function (e) {
        if (e.matches) fitRegion();
      });
    }
    // The shaded area lies under everything else, so the hexagons and stations stay clickable.
    map.createPane("cov-uncovered").style.zIndex = 350;

    var uncovered = L.layerGroup().addTo(map);
    var stations = L.layerGroup().addTo(map);
    var hexagons = L.layerGroup().addTo(map);
    var sites = L.layerGroup().addTo(map);

    data.cells.forEach(function (c) {
      L.polygon(
        c.ring.map(function (p) {
          return at(p[0], p[1]);
        }),
        { className: "cov-cell cov-level-" + c.level, weight: 1, fillOpacity: 0.55 }
      )
        .bindPopup(text([c.unmet + " " + words.wordUnmet, c.searches + " " + words.wordSearches]))
        .addTo(hexagons);
    });
    data.stations.forEach(function (s) {
      var where = at(s.lat, s.lon);
      L.circle(where, { radius: data.radius_m, className: "cov-station-circle", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(stations);
      L.circleMarker(where, { radius: 5, className: "cov-station", weight: 2, fillOpacity: 1 })
        .bindPopup(text([s.name]))
        .addTo(stations);
    });
    data.sites.forEach(function (s) {
      L.marker(at(s.lat, s.lon), { icon: siteIcon(L, s.n), keyboard: true, title: "#" + s.n })
        .bindPopup(text(["#" + s.n + " " + (s.county || ""), s.gain + " " + words.wordGain]))
        .addTo(sites);
    });

    var overlays = {};
    overlays[words.wordUncovered] = uncovered;
    overlays[words.wordStations] = stations;
    overlays[words.wordCells] = hexagons;
    overlays[words.wordSites] = sites;
    L.control.layers(null, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);
    el.dataset.drawn = "1";

    fetch(data.uncovered_url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (collection) {
        var shapes = collection.features.filter(function (f) {
          return f.properties && f.properties.kind === "uncovered";
        });
        L.geoJSON(shapes, {
          pane: "cov-uncovered",
          interactive: false,
          coordsToLatLng: function (c) {
            return at(c[1], c[0]);
          },
          style: function () {
            return { className: "cov-uncovered", weight: 1, fillOpacity: 0.3 };
          },
        }).addTo(uncovered);
        el.dataset.uncovered = "loaded";
      })
      .catch(function () {
        el.dataset.uncovered = "failed";
        var note = L.control({ position: "bottomleft" });
        note.onAdd = function () {
          var div = L.DomUtil.create("div", "map-notice");
          div.textContent = words.uncoveredFailed || "";
          return div;
        };
        note.addTo(map);
      });
  }

  if (window.SFMap) window.SFMap.drawFromPage("cov-map", "cov-map-data", draw);
})();
