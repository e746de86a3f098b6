// The registrant import: follow the background job until it ends (kindred.js asks before importing).
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.status !== "importing") return;
  var bar = box.querySelector(".import-bar");
  var fill = bar.querySelector("span");
  var text = document.getElementById("import-text");
  var number = new Intl.NumberFormat();

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (s) {
        if (s.finished) {
          window.location.reload(); // the page shows the result, with its links
          return;
        }
        fill.style.width = s.percent + "%";
        bar.setAttribute("aria-valuenow", s.percent);
        bar.classList.toggle("waiting", s.processed === 0);
        text.textContent = number.format(s.processed) + " of " + number.format(s.total) +
          " rows saved. You can leave this page: the import carries on.";
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
