// The registrant import: follow the background job until it ends (kindred.js asks before importing).
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.status !== "importing") return;
  var bar = box.querySelector(".import-bar");
  var fill = bar.querySelector("span");
  var text = document.getElementById("import-text");
  var number = new Intl.NumberFormat();

  Kindred.follow(box.dataset.statusUrl, function (s) {
    if (s.finished) return true; // the page shows the result, with its links
    fill.style.width = s.percent + "%";
    bar.setAttribute("aria-valuenow", s.percent);
    bar.classList.toggle("waiting", s.processed === 0);
    text.textContent = number.format(s.processed) + " of " + number.format(s.total) +
      " rows saved. You can leave this page: the import carries on.";
    return false;
  });
})();
