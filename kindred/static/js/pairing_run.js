// While a matching run is in progress, show its progress and reload when it finishes.
(function () {
  var card = document.getElementById("run-card");
  if (!card || !card.dataset.running) return;
  var bar = document.getElementById("run-progress");
  var step = document.getElementById("run-step");
  function poll() {
    fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (bar) bar.style.width = s.progress + "%";
        if (step) step.textContent = s.step || s.status;
        if (s.status === "done" || s.status === "failed") window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
