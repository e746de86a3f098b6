// The registration form: one step at a time, questions for the chosen role only, autosave.
(function () {
  var form = document.getElementById("register-form");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var tabs = form.querySelectorAll("[data-step-tab]");
  var progress = document.getElementById("step-progress");
  var status = form.querySelectorAll(".autosave-status");

  function show(n) {
    steps.forEach(function (s) { s.hidden = Number(s.dataset.step) !== n; });
    tabs.forEach(function (t) {
      var current = Number(t.dataset.stepTab) === n;
      t.classList.toggle("current", current);
      if (current) t.setAttribute("aria-current", "step"); else t.removeAttribute("aria-current");
    });
    if (progress) progress.style.width = Math.round(100 * n / steps.length) + "%";
  }
  var firstError = steps.find(function (s) { return s.hasAttribute("data-has-error"); });
  show(firstError ? Number(firstError.dataset.step) : 1);
  form.addEventListener("click", function (e) {
    var go = e.target.closest("[data-go]");
    if (!go) return;
    show(Number(go.dataset.go));
    save();
    window.scrollTo({ top: 0 });
    // The button just pressed is now hidden: without this, keyboard focus falls back to the top
    // of the page and a screen reader hears nothing of the new step.
    var heading = form.querySelector("section.step:not([hidden]) h2");
    if (heading) heading.focus({ preventScroll: true });
  });

  function role() {
    var checked = form.querySelector("[data-role-question] input:checked");
    return checked ? checked.dataset.role : "";
  }
  function applyRole() {
    var r = role();
    form.querySelectorAll(".question-field[data-audience]").forEach(function (f) {
      var audience = f.dataset.audience;
      f.hidden = !(audience === "both" || !r || r === "both" || audience === r);
    });
  }
  form.addEventListener("change", function (e) {
    if (e.target.closest("[data-role-question]")) applyRole();
    save();
  });
  applyRole();

  var url = form.dataset.autosaveUrl;
  var timer = null;
  function save() {
    if (!url) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var data = new FormData(form);
      data.delete("action");
      fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") } })
        .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (res) {
          status.forEach(function (s) { s.textContent = res[0] ? "Saved at " + res[1].saved_at : res[1].detail; });
        })
        .catch(function () { status.forEach(function (s) { s.textContent = "Not saved: you seem to be offline."; }); });
    }, 400);
  }
  form.addEventListener("input", function (e) { if (e.target.matches("input[type=text], textarea, input[type=number]")) save(); });
})();
