// "My location": fills the hidden latitude/longitude fields of the form from the phone's GPS.
// Without JavaScript or permission the form still works with a typed place.
(function () {
  "use strict";
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    if (!navigator.geolocation) return;
    button.hidden = false;
    var form = button.closest("form");
    var status = document.querySelector('[data-locate-status="' + button.getAttribute("data-locate") + '"]');
    button.addEventListener("click", function () {
      if (status) status.textContent = "…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("[name=latitude], [name=lat]").value = position.coords.latitude.toFixed(6);
          form.querySelector("[name=longitude], [name=lng]").value = position.coords.longitude.toFixed(6);
          if (status) status.textContent = "✓ " + position.coords.latitude.toFixed(4) + ", " + position.coords.longitude.toFixed(4);
          if (button.hasAttribute("data-locate-submit")) form.submit();
        },
        function () {
          if (status) status.textContent = "✗";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  });
})();
