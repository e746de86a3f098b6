// The registrant import: while the worker reads the uploaded file, follow it, then show the mapping.
(function () {
  var box = document.getElementById("import-reading");
  if (!box || box.dataset.status !== "reading") return;
  // Once read, the same address shows the mapping, or why the file was refused.
  Kindred.follow(box.dataset.statusUrl, function (s) { return s.status !== "reading"; });
})();
