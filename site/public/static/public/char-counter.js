// A long text field says how much has been typed and how much room is left (反映内容 5000 字),
// instead of cutting the text off: the server refuses a text that is too long and names the
// field. The counter's words come from the page (translated there); a screen reader hears the
// count once typing pauses.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var field = document.getElementById(counter.dataset.counterFor);
    if (!field) {
      return;
    }
    var limit = parseInt(field.dataset.maxChars, 10);
    var timer = null;
    function say() {
      // Characters as the server counts them (a Chinese character is one).
      var n = Array.from(field.value.replace(/\r\n/g, "\n")).length;
      var over = n - limit;
      var template = over > 0 ? counter.dataset.overTemplate : counter.dataset.template;
      counter.textContent = template.replace("{n}", n).replace("{over}", over);
      counter.classList.toggle("error", over > 0);
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(say, 400);
    });
    say();
  });
});
