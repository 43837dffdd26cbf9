// A print button (data-print): a static file, as the Content-Security-Policy asks.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
