// While a matching run is in progress, show its progress and reload when it finishes.
(function () {
  var card = document.getElementById("run-card");
  if (!card || !card.dataset.running) return;
  var bar = document.getElementById("run-progress");
  var step = document.getElementById("run-step");
  Kindred.follow(card.dataset.statusUrl, function (s) {
    if (bar) bar.style.width = s.progress + "%";
    if (step) step.textContent = s.step || s.status;
    return s.status === "done" || s.status === "failed";
  });
})();
