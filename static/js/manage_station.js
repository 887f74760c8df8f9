/* Position picker of the station form (templates/manage/station_form.html).
 *
 * The lat/lon inputs are the source of truth and work without JavaScript or tiles. With a map,
 * a tap moves the pin and writes the position in the tiles' own system (GCJ-02 for Amap tiles)
 * together with coord_system, so the server converts it to WGS-84 with its exact inverse.
 */
(function () {
  "use strict";

  var el = document.getElementById("position-map");
  var latIn = document.getElementById("lat");
  var lonIn = document.getElementById("lon");
  var sysIn = document.getElementById("coord_system");
  var locate = document.getElementById("position-locate");
  if (!el || !latIn || !lonIn || !sysIn) return;

  var map = null;

  function fmt(x) {
    return String(Math.round(x * 1e7) / 1e7);
  }

  /* The typed position as WGS-84, or null when it is empty, invalid or BD-09 (only the server converts that). */
  function typedWgs84() {
    var lat = parseFloat(latIn.value);
    var lon = parseFloat(lonIn.value);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    if (sysIn.value === "wgs84") return [lat, lon];
    if (sysIn.value === "gcj02" && window.SFCoords) return window.SFCoords.gcj02ToWgs84(lat, lon);
    return null;
  }

  function storedWgs84() {
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    return isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
  }

  function pin(lat, lon) {
    map.clearMarkers();
    map.addMarker({ lat: lat, lon: lon }, "selected");
  }

  /* Write a WGS-84 position into the inputs, in the tiles' system when there is a map. */
  function write(lat, lon) {
    var p = map ? map.toTiles(lat, lon) : [lat, lon];
    latIn.value = fmt(p[0]);
    lonIn.value = fmt(p[1]);
    sysIn.value = map ? map.crs : "wgs84";
  }

  function follow() {
    var p = typedWgs84();
    if (map && p) {
      pin(p[0], p[1]);
      map.setView(p[0], p[1]);
    }
  }

  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          var lat = pos.coords.latitude;
          var lon = pos.coords.longitude;
          write(lat, lon);
          if (map) {
            pin(lat, lon);
            map.setView(lat, lon, 17);
          }
        },
        function () {},
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
      );
    });
  }

  if (!window.SFMap) return;
  el.hidden = false;
  window.SFMap.load(el)
    .then(function () {
      var start = typedWgs84() || storedWgs84();
      map = window.SFMap.create(el, {
        center: start || undefined,
        zoom: start ? 16 : 5,
        tilesFailedText: el.dataset.tilesFailedText,
      });
      if (start) pin(start[0], start[1]);
      map.onPick(function (lat, lon) {
        pin(lat, lon);
        write(lat, lon);
      });
      latIn.addEventListener("change", follow);
      lonIn.addEventListener("change", follow);
      sysIn.addEventListener("change", follow);
    })
    .catch(function () {
      // Leaflet itself could not load: the typed numbers still work.
      el.hidden = true;
    });
})();
