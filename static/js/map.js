/* Shared Leaflet helper: lazy-load Leaflet, make a map with the configured tiles, plot WGS-84 points.
 *
 * The container carries its settings as data-* attributes (templates/macros/map.html renders them):
 * data-tile-url, data-tile-crs (wgs84|gcj02), data-tile-attribution, data-tile-subdomains (optional),
 * data-leaflet-js/-css, data-cluster-js/-css/-theme-css. Positions in and out of this API are WGS-84
 * [lat, lon]; only the map itself works in the tiles' system. Needs coords.js (window.SFCoords) and
 * load_script.js (window.SFLoad).
 *
 *   SFMap.load(el, {cluster: true}).then(function () {
 *     var m = SFMap.create(el, {center: [lat, lon], zoom: 14, cluster: true});  // or {fit: points}
 *     m.setPoints([{lat: .., lon: .., label: "name", href: "/stations/1"}]);
 *     m.onPick(function (lat, lon) { ... });   // WGS-84 of a tap, for pickers
 *   });
 *   SFMap.of(el)  // the handle made for el (tests and other scripts on the page)
 *   SFMap.drawFromPage("cov-map", "cov-map-data", draw)  // a staff map drawn from the page's JSON
 */
(function () {
  "use strict";

  var stylesheets = {};

  function loadCss(url) {
    if (!stylesheets[url]) {
      stylesheets[url] = new Promise(function (resolve) {
        var l = document.createElement("link");
        l.rel = "stylesheet";
        l.href = url;
        // A missing stylesheet makes the map plainer, not unusable: never block on it.
        l.onload = l.onerror = function () {
          resolve();
        };
        document.head.appendChild(l);
      });
    }
    return stylesheets[url];
  }

  function settings(el) {
    var d = el.dataset;
    var url = d.tileUrl || "";
    return {
      tileUrl: url,
      tileCrs: d.tileCrs === "gcj02" ? "gcj02" : "wgs84",
      attribution: d.tileAttribution || "",
      // Amap numbers its hosts (webrd01..04); most others use letters.
      subdomains: d.tileSubdomains || (/\d\{s\}/.test(url) ? "1234" : "abc"),
      leafletJs: d.leafletJs,
      leafletCss: d.leafletCss,
      clusterJs: d.clusterJs,
      clusterCss: d.clusterCss,
      clusterThemeCss: d.clusterThemeCss,
    };
  }

  /* Load Leaflet (and markercluster when asked) once; resolves when window.L is ready. */
  function load(el, opts) {
    var cfg = settings(el);
    var wantCluster = !!(opts && opts.cluster);
    var ready = Promise.all([
      loadCss(cfg.leafletCss),
      window.L ? Promise.resolve() : window.SFLoad.script(cfg.leafletJs),
    ]);
    if (!wantCluster) return ready;
    return ready.then(function () {
      if (window.L.markerClusterGroup) return undefined;
      return Promise.all([
        loadCss(cfg.clusterCss),
        loadCss(cfg.clusterThemeCss),
        window.SFLoad.script(cfg.clusterJs),
      ]);
    });
  }

  function converters(crs) {
    if (crs !== "gcj02") {
      var same = function (lat, lon) {
        return [lat, lon];
      };
      return { toTiles: same, fromTiles: same };
    }
    return { toTiles: window.SFCoords.wgs84ToGcj02, fromTiles: window.SFCoords.gcj02ToWgs84 };
  }

  function popupContent(point) {
    // Labels are untrusted (station names): build DOM nodes, never HTML strings.
    var box = document.createElement("div");
    var node = document.createElement(point.href ? "a" : "span");
    node.textContent = point.label || "";
    if (point.href) node.href = point.href;
    box.appendChild(node);
    if (point.detail) {
      var extra = document.createElement("div");
      extra.textContent = point.detail;
      box.appendChild(extra);
    }
    return box;
  }

  var STYLES = {
    station: { radius: 9, color: "#ffffff", weight: 3, fillColor: "#b71c1c", fillOpacity: 1 },
    selected: { radius: 12, color: "#ffffff", weight: 3, fillColor: "#0d47a1", fillOpacity: 1 },
    me: { radius: 8, color: "#ffffff", weight: 3, fillColor: "#1565c0", fillOpacity: 1 },
  };

  /* Make a map in el (Leaflet must be loaded) and return a small handle; see the header. */
  function create(el, opts) {
    opts = opts || {};
    var L = window.L;
    var cfg = settings(el);
    var conv = converters(cfg.tileCrs);
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    map.attributionControl.setPrefix(false);

    var notice = null;
    var anyTile = false;
    var tiles = L.tileLayer(cfg.tileUrl, {
      attribution: cfg.attribution,
      subdomains: cfg.subdomains,
      maxZoom: 18,
    });
    tiles.on("tileload", function () {
      anyTile = true;
      el.classList.remove("map-tiles-failed");
      if (notice) notice.remove();
    });
    tiles.on("tileerror", function () {
      if (anyTile || notice) return;
      // Offline or blocked tiles leave a grey map; the markers still work, so say so and carry on.
      el.classList.add("map-tiles-failed");
      notice = L.control({ position: "bottomleft" });
      notice.onAdd = function () {
        var div = L.DomUtil.create("div", "map-notice");
        div.textContent = opts.tilesFailedText || "Map tiles could not load.";
        return div;
      };
      notice.addTo(map);
    });
    tiles.addTo(map);

    var group = opts.cluster && L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 50 }) : L.layerGroup();
    group.addTo(map);
    var extras = L.layerGroup().addTo(map);

    function at(lat, lon) {
      var p = conv.toTiles(lat, lon);
      return L.latLng(p[0], p[1]);
    }

    function bounds(points) {
      return L.latLngBounds(
        points.map(function (p) {
          return at(p.lat, p.lon);
        })
      );
    }

    // Start where the caller will look: every tile fetched for a throwaway first view costs signal.
    if (opts.fit && opts.fit.length) {
      map.fitBounds(bounds(opts.fit), { padding: [24, 24], maxZoom: opts.zoom || 16 });
    } else {
      var center = opts.center || [35.0, 105.0];
      map.setView(at(center[0], center[1]), opts.center ? opts.zoom || 14 : opts.zoom || 4);
    }

    function marker(point, style, layer) {
      var m = L.circleMarker(at(point.lat, point.lon), STYLES[style] || STYLES.station);
      if (point.label) m.bindPopup(popupContent(point));
      m.addTo(layer);
      return m;
    }

    var handle = {
      map: map,
      crs: cfg.tileCrs,
      toTiles: conv.toTiles,
      fromTiles: conv.fromTiles,
      /* Replace the plotted points; each is {lat, lon, label?, href?, detail?}. */
      setPoints: function (points) {
        group.clearLayers();
        return points.map(function (p) {
          return marker(p, "station", group);
        });
      },
      /* Show one extra point outside the cluster: style "me" (the rider) or "selected". */
      addMarker: function (point, style) {
        return marker(point, style, extras);
      },
      clearMarkers: function () {
        extras.clearLayers();
      },
      /* Pan to a WGS-84 position. */
      setView: function (lat, lon, zoom) {
        map.setView(at(lat, lon), zoom || map.getZoom());
      },
      /* Zoom to show every given WGS-84 point. */
      fit: function (points, maxZoom) {
        if (points.length) map.fitBounds(bounds(points), { padding: [24, 24], maxZoom: maxZoom || 16 });
      },
      /* Call fn(lat, lon) with the WGS-84 position of each tap on the map. */
      onPick: function (fn) {
        map.on("click", function (e) {
          var p = conv.fromTiles(e.latlng.lat, e.latlng.lng);
          fn(p[0], p[1]);
        });
      },
      /* Recompute the size after the container was shown or resized. */
      refresh: function () {
        map.invalidateSize();
      },
    };
    handles.push({ el: el, handle: handle });
    return handle;
  }

  var handles = [];

  /* Return the handle create() made for el, or null. */
  function of(el) {
    for (var i = 0; i < handles.length; i++) if (handles[i].el === el) return handles[i].handle;
    return null;
  }

  /* Draw a map whose data is the JSON in #dataId on the container #mapId, once the document is
   * ready and Leaflet loaded: draw(el, data). When Leaflet cannot load, the container says so
   * (its data-tiles-failed text). For the staff pages' maps. */
  function drawFromPage(mapId, dataId, draw) {
    function start() {
      var el = document.getElementById(mapId);
      var source = document.getElementById(dataId);
      if (!el || !source) return;
      var data = JSON.parse(source.textContent);
      load(el, {})
        .then(function () {
          draw(el, data);
        })
        .catch(function () {
          el.textContent = el.dataset.tilesFailed || "";
        });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  window.SFMap = {
    load: load,
    create: create,
    drawFromPage: drawFromPage,
    of: of,
    settings: settings,
    toTiles: function (el, lat, lon) {
      return converters(settings(el).tileCrs).toTiles(lat, lon);
    },
    fromTiles: function (el, lat, lon) {
      return converters(settings(el).tileCrs).fromTiles(lat, lon);
    },
  };
})();
