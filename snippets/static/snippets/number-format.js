// 本局信息: show the next case number under the prefix being typed, before saving.
(function () {
  function start() {
    var box = document.getElementById("number-format");
    var input = document.getElementById("id_number_prefix");
    var output = document.getElementById("number-example");
    if (!box || !input || !output) return;
    function update() {
      var prefix = input.value.trim().toUpperCase();
      output.textContent = prefix + "-" + box.dataset.year + "-" + box.dataset.serial;
    }
    input.addEventListener("input", update);
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
