// Name and phone are required unless the report is anonymous (第十四条). The server marks them
// from the anonymity box when it renders the form; this keeps the "（必填）" mark and the
// input's `required` in step while the box is ticked or cleared.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("id_anonymous");
  var marks = document.querySelectorAll("[data-required-unless-anonymous]");
  if (!box || !marks.length) {
    return;
  }
  function follow() {
    marks.forEach(function (mark) {
      var input = document.getElementById(mark.closest("label").htmlFor);
      mark.hidden = box.checked;
      if (input) {
        input.required = !box.checked;
      }
    });
  }
  box.addEventListener("change", follow);
  follow();
});
