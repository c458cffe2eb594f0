// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Confirm destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Organisation picker: choosing a result fills the hidden field and the visible label.
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-id]");
    if (!option) return;
    event.preventDefault();
    var picker = option.closest(".org-picker");
    picker.querySelector("input[type=hidden]").value = option.getAttribute("data-pick-id");
    picker.querySelector(".org-picker-selected").textContent = option.getAttribute("data-pick-label");
    picker.querySelector(".org-picker-results").innerHTML = "";
    picker.querySelector("input[type=search]").value = "";
  });
})();
// Tree toggles: a second click folds the subtree instead of loading it again.
document.addEventListener("htmx:beforeRequest", function (event) {
  var button = event.detail.elt;
  if (!button.classList || !button.classList.contains("tree-toggle")) return;
  var target = document.getElementById(button.getAttribute("aria-controls"));
  if (target && target.children.length) {
    event.preventDefault();
    target.innerHTML = "";
    button.setAttribute("aria-expanded", "false");
    button.querySelector("i").className = "bi bi-plus-lg";
  }
});
document.addEventListener("htmx:afterSwap", function (event) {
  var button = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (button && button.classList && button.classList.contains("tree-toggle")) {
    button.setAttribute("aria-expanded", "true");
    button.querySelector("i").className = "bi bi-dash-lg";
  }
});
// Enter in the organisation picker searches instead of submitting the form.
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.closest && event.target.closest(".org-picker")) {
    event.preventDefault();
  }
});
// Print buttons (a member's code card).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
