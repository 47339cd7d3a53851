// Toasts: from server-rendered messages on page load, and from htmx's HX-Trigger "toast" event.
(function () {
  "use strict";

  function show(element) {
    const toast = bootstrap.Toast.getOrCreateInstance(element, { delay: 5000 });
    element.addEventListener("hidden.bs.toast", () => element.remove());
    toast.show();
  }

  function showToast(detail) {
    const template = document.getElementById("toast-template");
    const element = template.content.firstElementChild.cloneNode(true);
    const level = ["success", "info", "warning", "danger"].includes(detail.level) ? detail.level : "info";
    element.classList.add("text-bg-" + level);
    element.querySelector(".toast-body").textContent = detail.message;
    document.getElementById("toasts").appendChild(element);
    show(element);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#toasts [data-autoshow]").forEach(show);
  });
  document.body.addEventListener("toast", (event) => showToast(event.detail));
  document.body.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const message = status === 404 ? "Not found, or not yours to see." :
      status === 403 ? "You are not allowed to do that." :
      "Something went wrong (" + status + "). Please try again.";
    showToast({ message: message, level: "danger" });
  });
  document.body.addEventListener("htmx:sendError", () => {
    showToast({ message: "The server could not be reached. Check your connection.", level: "warning" });
  });
})();

// Forms with data-confirm ask before submitting (no inline script: CSP allows none).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
