/* The rider page's filters and search, after rider_list.js (see SFRider there): the amenity and
 * "open now" chips, and the district and name search with its district lists. */
(function () {
  "use strict";

  var R = window.SFRider;
  var data = R.data;
  var T = R.text;
  var state = R.state;
  var node = R.node;
  var chipsBox = R.$("chips");
  var searchForm = R.$("search");
  var searchWhy = R.$("search-why");
  var regionsBox = R.$("regions");
  var qInput = R.$("q");

  /* Chips */
  var openChip = node("button", "chip chip-open", T.openNow);
  openChip.type = "button";
  openChip.setAttribute("aria-pressed", "false");
  openChip.addEventListener("click", function () {
    state.openNow = openChip.getAttribute("aria-pressed") !== "true";
    openChip.setAttribute("aria-pressed", state.openNow ? "true" : "false");
    refresh();
  });
  chipsBox.appendChild(openChip);

  data.amenities.forEach(function (a) {
    var b = node("button", "chip", a.icon + " " + a.label);
    b.type = "button";
    b.setAttribute("aria-pressed", "false");
    b.dataset.code = a.code;
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      state.amenities = Array.prototype.map.call(chipsBox.querySelectorAll(".chip[aria-pressed='true']"), function (c) {
        return c.dataset.code;
      });
      refresh();
    });
    chipsBox.appendChild(b);
  });

  function refresh() {
    if (state.mode === "nearest" && state.position) R.loadNearest();
    else if (state.mode === "search" && state.searched) runSearch();
  }

  function clearFilters() {
    Array.prototype.forEach.call(chipsBox.querySelectorAll(".chip"), function (c) {
      c.setAttribute("aria-pressed", "false");
    });
    state.openNow = false;
    state.amenities = [];
    refresh();
  }

  /* District and name search */
  function showSearch(reason) {
    searchForm.hidden = false;
    searchWhy.textContent = reason || "";
    if (!state.stations.length && !state.searched) R.setStatus("");
    if (!state.regionsLoaded) loadRegions("", 0);
  }

  function clearSelects(fromDepth) {
    Array.prototype.slice.call(regionsBox.querySelectorAll("select")).forEach(function (s) {
      if (Number(s.dataset.depth) >= fromDepth) s.remove();
    });
  }

  function chosenRegion() {
    var value = "";
    Array.prototype.forEach.call(regionsBox.querySelectorAll("select"), function (s) {
      if (s.value) value = s.value;
    });
    return value;
  }

  function loadRegions(parent, depth) {
    R.getJson(R.urls.regions + (parent ? "?" + R.query({ parent: parent }) : ""))
      .then(function (body) {
        state.regionsLoaded = true;
        addSelect(body.regions || [], depth);
      })
      .catch(function () {
        // Name search still works without the district list.
        state.regionsLoaded = false;
      });
  }

  function addSelect(items, depth) {
    clearSelects(depth);
    if (!items.length) return;
    var sel = node("select");
    sel.id = "region-" + depth;
    sel.dataset.depth = String(depth);
    sel.appendChild(new Option(depth === 0 ? T.choose : T.all, ""));
    items.forEach(function (r) {
      var o = new Option(r.name, r.code);
      o.dataset.leaf = r.leaf ? "1" : "0";
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () {
      clearSelects(depth + 1);
      var opt = sel.options[sel.selectedIndex];
      if (sel.value && opt.dataset.leaf !== "1") loadRegions(sel.value, depth + 1);
      runSearch();
    });
    regionsBox.appendChild(sel);
  }

  function searchEverywhere() {
    clearSelects(1);
    var first = regionsBox.querySelector("select");
    if (first) first.value = "";
    runSearch();
  }

  function runSearch() {
    state.mode = "search";
    state.searched = true;
    state.region = chosenRegion();
    state.q = qInput.value.trim();
    var url = R.urls.search + "?" + R.query({
      region: state.region,
      q: state.q,
      amenity: state.amenities,
      limit: data.searchLimit,
    });
    R.load(url, "search");
  }

  R.$("show-search").addEventListener("click", function () {
    showSearch("");
    qInput.focus();
  });
  searchForm.addEventListener("submit", function (e) {
    e.preventDefault();
    runSearch();
  });

  R.clearFilters = clearFilters;
  R.showSearch = showSearch;
  R.runSearch = runSearch;
  R.searchEverywhere = searchEverywhere;
})();
