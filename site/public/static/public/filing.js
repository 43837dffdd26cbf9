// The filing form (templates/public/file.html): referral hints while the person types, the
// location button, one submission per click, focus on the error summary. A static file, not an
// inline script: the public site's Content-Security-Policy allows scripts from this server only.
(function () {
  var form = document.getElementById("filing-form");
  if (!form) { return; }
  var box = document.getElementById("referral-hints");
  var list = box.querySelector("ul");
  var url = form.dataset.suggestUrl;
  var timer = null;
  function suggest() {
    var text = [form.elements["place"].value, form.elements["description"].value].join(" ");
    if (text.trim().length < 2) { box.hidden = true; return; }
    fetch(url + "?q=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {entries: []}; })
      .then(function (data) {
        list.textContent = "";
        (data.entries || []).forEach(function (e) {
          var li = document.createElement("li");
          li.textContent = e.matter + "：" + e.message;
          list.appendChild(li);
        });
        box.hidden = list.children.length === 0;
      })
      .catch(function () { box.hidden = true; });
  }
  ["place", "description"].forEach(function (name) {
    form.elements[name].addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 400);
    });
  });
  form.addEventListener("submit", function () {
    // The server also refuses a second filing of this form; this only avoids the wait.
    var button = document.getElementById("submit-filing");
    setTimeout(function () { button.disabled = true; }, 0);
  });
  var locate = document.getElementById("use-location");
  var locateStatus = document.getElementById("location-status");
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locateStatus.textContent = form.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements["latitude"].value = position.coords.latitude.toFixed(6);
        form.elements["longitude"].value = position.coords.longitude.toFixed(6);
        locateStatus.textContent = form.dataset.located;
      }, function () {
        locateStatus.textContent = form.dataset.notLocated;
      }, {enableHighAccuracy: true, timeout: 15000});
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
