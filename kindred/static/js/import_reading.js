// The registrant import: while the worker reads the uploaded file, follow it, then show the mapping.
(function () {
  var box = document.getElementById("import-reading");
  if (!box || box.dataset.status !== "reading") return;

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (s) {
        if (s.status !== "reading") {
          window.location.reload(); // the same address now shows the mapping, or why the file was refused
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
