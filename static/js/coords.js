/* WGS-84 <-> GCJ-02, the same algorithm as stationfinder/geo/coords.py (positions are [lat, lon]). */
(function () {
  "use strict";

  // Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm is defined on.
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  // Stop when the forward transform of the estimate is this close to the target (~0.1 mm).
  var TOLERANCE_DEG = 1e-9;
  var MAX_ITERATIONS = 50;

  function outOfChina(lat, lon) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function transform(x, y) {
    var xy = x * y;
    var absX = Math.sqrt(Math.abs(x));
    var xPi = x * Math.PI;
    var yPi = y * Math.PI;
    var d = 20.0 * Math.sin(6.0 * xPi) + 20.0 * Math.sin(2.0 * xPi);
    var dlat = d + 20.0 * Math.sin(yPi) + 40.0 * Math.sin(yPi / 3.0);
    var dlon = d + 20.0 * Math.sin(xPi) + 40.0 * Math.sin(xPi / 3.0);
    dlat += 160.0 * Math.sin(yPi / 12.0) + 320.0 * Math.sin(yPi / 30.0);
    dlon += 150.0 * Math.sin(xPi / 12.0) + 300.0 * Math.sin(xPi / 30.0);
    dlat = (dlat * 2.0) / 3.0 - 100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * absX;
    dlon = (dlon * 2.0) / 3.0 + 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * absX;
    return [dlat, dlon];
  }

  function wgs84ToGcj02(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var t = transform(lon - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * Math.PI;
    var magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    var dlat = (t[0] * 180.0) / (((A * (1.0 - EE)) / (magic * sqrtMagic)) * Math.PI);
    var dlon = (t[1] * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lat + dlat, lon + dlon];
  }

  // Exact inverse by fixed-point iteration; the one-step inverse is up to ~4 m off.
  function gcj02ToWgs84(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var gLat = lat;
    var gLon = lon;
    for (var i = 0; i < MAX_ITERATIONS; i++) {
      var f = wgs84ToGcj02(gLat, gLon);
      var eLat = f[0] - lat;
      var eLon = f[1] - lon;
      if (Math.abs(eLat) < TOLERANCE_DEG && Math.abs(eLon) < TOLERANCE_DEG) break;
      gLat -= eLat;
      gLon -= eLon;
    }
    return [gLat, gLon];
  }

  window.SFCoords = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };
})();
