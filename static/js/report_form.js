/* Report forms: shrink a large photo before it is sent, count characters left and, for 随手拍, find
 * the rider's position. The forms post without this script; it never sends anything by itself.
 * The position goes in the form only: it is not stored in the browser. */
(function () {
  "use strict";

  var form = document.querySelector("[data-report-form]");
  var dataEl = document.getElementById("report-data");
  if (!form || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var T = data.text;
  // Smaller photos go as they are (the server re-encodes them anyway); larger ones would be slow
  // on a weak signal, and a phone's 12-50 MP photo can pass the server's limit.
  var SHRINK_ABOVE = 1024 * 1024;
  var QUALITY = 0.85;
  // The browser's own timeout only starts once permission is given; an unanswered prompt needs this.
  var LOCATE_WATCHDOG_MS = 20000;

  var alertEl = form.querySelector("[data-report-alert]");
  var send = form.querySelector("[data-report-send]");
  var sendLabel = send.textContent;
  var photo = form.querySelector("input[type=file]");
  var text = form.querySelector("textarea");
  var charsLeft = form.querySelector("[data-chars-left]");
  var sending = false;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function say(message) {
    alertEl.textContent = message || "";
  }

  function busy() {
    sending = true;
    send.disabled = true;
    send.textContent = T.sending;
  }

  function idle() {
    sending = false;
    send.disabled = false;
    send.textContent = sendLabel;
  }

  if (text && charsLeft) {
    text.addEventListener("input", function () {
      charsLeft.textContent = fill(T.charsLeft, { n: Math.max(0, data.maxChars - text.value.length) });
    });
  }

  /* Position (随手拍 only) */
  var lat = form.querySelector("[data-lat]");
  var lon = form.querySelector("[data-lon]");
  var positionStatus = form.querySelector("[data-position-status]");
  var retry = form.querySelector("[data-position-retry]");
  var locateSeq = 0;

  function positionFailed(kind) {
    lat.value = "";
    lon.value = "";
    positionStatus.textContent = T[kind];
    positionStatus.classList.add("is-error");
    retry.hidden = false;
  }

  function locate() {
    if (!navigator.geolocation) {
      positionFailed("unavailable");
      return;
    }
    var attempt = ++locateSeq;
    retry.hidden = true;
    positionStatus.classList.remove("is-error");
    positionStatus.textContent = T.locating;
    var watchdog = setTimeout(function () {
      if (attempt === locateSeq && !lat.value) positionFailed("timeout");
    }, LOCATE_WATCHDOG_MS);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        if (attempt !== locateSeq) return;
        clearTimeout(watchdog);
        // The Geolocation API answers WGS-84, which the form declares (coord=wgs84).
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        positionStatus.classList.remove("is-error");
        positionStatus.textContent = fill(T.located, { n: Math.max(1, Math.round(pos.coords.accuracy || 1)) });
        retry.hidden = true;
        say("");
      },
      function (err) {
        if (attempt !== locateSeq) return;
        clearTimeout(watchdog);
        var code = err && err.code;
        positionFailed(code === 1 ? "denied" : code === 3 ? "timeout" : "unavailable");
      },
      // Sent to the district that holds the spot: worth the GPS, unlike the station search.
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  if (form.hasAttribute("data-needs-position") && lat && lon && positionStatus && retry) {
    retry.addEventListener("click", locate);
    locate();
  } else {
    lat = null;
  }

  /* The photo */
  function shrink(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        // Browsers draw a photo upright (its EXIF orientation applied), as the server keeps it.
        var scale = Math.min(1, data.maxSide / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (blob) resolve(blob);
          else reject(new Error("no blob"));
        }, "image/jpeg", QUALITY);
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("not an image"));
      };
      img.src = url;
    });
  }

  /* Put the smaller photo in the file field, so the form posts as it would have. */
  function replaceFile(blob, name) {
    if (typeof DataTransfer !== "function") return false;
    try {
      var transfer = new DataTransfer();
      transfer.items.add(new File([blob], (name || "photo").replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
      photo.files = transfer.files;
      return photo.files.length === 1;
    } catch (e) {
      return false;
    }
  }

  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    say("");
    if (lat && !lat.value) {
      event.preventDefault();
      say(T.needPosition);
      locate();
      return;
    }
    var file = photo && photo.files && photo.files[0];
    busy();
    if (!file || file.size <= SHRINK_ABOVE) return;
    event.preventDefault();
    shrink(file)
      .then(function (blob) {
        if (!replaceFile(blob, file.name)) throw new Error("cannot replace the file");
        form.submit();
      })
      .catch(function () {
        // Not decodable here (HEIC in some browsers): the server decides, unless it is surely too big.
        if (file.size > data.maxBytes) {
          idle();
          say(T.photoTooBig);
        } else {
          form.submit();
        }
      });
  });

  // Back from the tracking page, the browser may restore this page with a disabled button.
  window.addEventListener("pageshow", idle);
})();
