// The console's map: Leaflet with clustered visit markers, collectors' last check-ins and the
// planned routes. Data comes from the same origin as JSON (already shifted onto the tiles'
// datum by the server); without a tile URL the map still draws points and lines on a blank
// canvas. No inline script: the page's CSP allows scripts from this origin only.
(function () {
  "use strict";
  var STATUS_COLOURS = {planned: "#0b5cad", assigned: "#6a3d9a", in_progress: "#b15928",
                        completed: "#0f6b2f", missed: "#a4161a", cancelled: "#555"};
  var ROUTE_COLOURS = ["#d7301f", "#1f78b4", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928"];

  function text(value) { return document.createTextNode(value == null ? "" : String(value)); }

  function label(parts) {  // popups built from text nodes: data is never parsed as HTML
    var box = document.createElement("div");
    parts.forEach(function (part, i) {
      if (i) { box.appendChild(document.createElement("br")); }
      box.appendChild(text(part));
    });
    return box;
  }

  function draw(el, data) {
    var map = L.map(el, {preferCanvas: true, minZoom: 3, maxZoom: 19});  // the cluster needs it
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 19, attribution: el.dataset.attribution || ""})
        .addTo(map);
    }
    var bounds = [];
    var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false});
    data.visits.forEach(function (v) {
      var marker = L.circleMarker(v.pos, {radius: 7, weight: 2, color: "#fff", fillOpacity: 0.9,
                                          fillColor: STATUS_COLOURS[v.status] || "#333"});
      marker.bindPopup(label([v.case_ref, v.debtor, v.status]));
      cluster.addLayer(marker);
      bounds.push(v.pos);
    });
    map.addLayer(cluster);
    data.routes.forEach(function (r, i) {
      if (r.line.length > 1) {
        L.polyline(r.line, {color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: 4,
                            opacity: 0.8}).bindPopup(label([r.collector_id,
                            (r.distance_m / 1000).toFixed(1) + " km"])).addTo(map);
        bounds = bounds.concat(r.line);
      }
    });
    data.check_ins.forEach(function (c) {
      L.circleMarker(c.pos, {radius: 9, weight: 3, color: "#000", fillColor: "#f0b400",
                             fillOpacity: 1}).bindPopup(label([c.name, c.at])).addTo(map);
      bounds.push(c.pos);
    });
    if (bounds.length) { map.fitBounds(bounds, {padding: [24, 24]}); }
    else { map.setView([31.23, 121.47], 11); }
    var summary = document.getElementById("map-summary");
    if (summary) {
      summary.textContent = data.visits.length + " " + el.dataset.labelVisits + ", " +
        data.routes.length + " " + el.dataset.labelRoutes + ", " + data.check_ins.length + " " +
        el.dataset.labelCheckins;
    }
    el.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el) { return; }
    fetch(el.dataset.source, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { draw(el, data); })
      .catch(function (e) { el.textContent = "map: " + e; });
  });
}());
