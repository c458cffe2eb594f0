// The station map: Leaflet over the configured tile server. Without a tile URL (or without
// JavaScript) the map stays hidden and the list alone does the job. Tapping the map picks a point.
(function () {
  "use strict";
  var element = document.getElementById("station-map");
  var data = document.getElementById("station-map-data");
  if (!element || !data || typeof L === "undefined") return;
  var config = JSON.parse(data.textContent);
  if (!config.tiles) return;
  element.hidden = false;
  var map = L.map(element, { attributionControl: Boolean(config.attribution) });
  L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
  var bounds = [];
  config.markers.forEach(function (m) {
    var marker = L.circleMarker([m.lat, m.lng], {
      radius: 9, color: m.open === false ? "#666" : "#b3141b", fillOpacity: 0.8, weight: 2
    }).addTo(map);
    var label = document.createElement(m.url ? "a" : "span");
    label.textContent = m.name;
    if (m.url) label.href = m.url;
    marker.bindPopup(label);
    bounds.push([m.lat, m.lng]);
  });
  if (config.here) {
    L.circleMarker(config.here, { radius: 7, color: "#0d6efd", fillOpacity: 1 }).addTo(map);
    bounds.push(config.here);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  else map.setView([39.9, 116.4], 11);
  var form = document.getElementById("station-search");
  if (form && element.hasAttribute("data-pick")) {
    map.on("click", function (event) {
      form.querySelector("[name=lat]").value = event.latlng.lat.toFixed(6);
      form.querySelector("[name=lng]").value = event.latlng.lng.toFixed(6);
      form.submit();
    });
  }
})();
