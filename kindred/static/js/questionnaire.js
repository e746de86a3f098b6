// Drag and drop to reorder questions; the ↑ ↓ buttons do the same without a mouse.
(function () {
  var list = document.getElementById("question-list");
  if (!list) return;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var dragged = null;
  list.addEventListener("dragstart", function (e) {
    dragged = e.target.closest("li.question");
    if (!dragged) return;
    dragged.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });
  list.addEventListener("dragover", function (e) {
    if (!dragged) return;
    e.preventDefault();
    var over = e.target.closest("li.question");
    if (!over || over === dragged || over.classList.contains("builtin")) return;
    var box = over.getBoundingClientRect();
    list.insertBefore(dragged, e.clientY < box.top + box.height / 2 ? over : over.nextSibling);
  });
  list.addEventListener("drop", function (e) {
    e.preventDefault();
    var body = new URLSearchParams();
    list.querySelectorAll("li.question").forEach(function (li) { body.append("order", li.dataset.id); });
    fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }).then(function (r) { if (r.ok) window.location.reload(); else alert("The new order could not be saved."); });
  });
})();
