// Show only the settings that apply to the chosen question type; add and move option rows.
(function () {
  var form = document.getElementById("question-form");
  if (!form) return;
  var kind = form.querySelector("[name=kind]");
  function sync() {
    var value = kind ? kind.value : "";
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      el.hidden = el.dataset.kinds.split(" ").indexOf(value) === -1;
    });
  }
  if (kind) { kind.addEventListener("change", sync); sync(); }
  var rows = document.getElementById("option-rows");
  var add = document.getElementById("add-option");
  if (add && rows) {
    add.addEventListener("click", function () {
      var last = rows.lastElementChild;
      var copy = last.cloneNode(true);
      var n = rows.children.length + 1;
      copy.querySelector("input[name=option_id]").value = "";
      var text = copy.querySelector("input[name=option_label]");
      text.value = ""; text.id = "option-" + n; text.placeholder = "Option " + n;
      copy.querySelector("label").setAttribute("for", text.id);
      rows.appendChild(copy);
      text.focus();
    });
  }
  if (rows) {
    rows.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-move]");
      if (!button) return;
      var li = button.closest("li");
      if (button.dataset.move === "up" && li.previousElementSibling) rows.insertBefore(li, li.previousElementSibling);
      if (button.dataset.move === "down" && li.nextElementSibling) rows.insertBefore(li.nextElementSibling, li);
      button.focus();
    });
  }
})();
