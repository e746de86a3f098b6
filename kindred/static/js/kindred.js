// Behaviour every page shares. Pages carry no inline script, handler or style (the
// Content-Security-Policy forbids them), so the markup says what it needs in data-* attributes:
//   data-confirm="Question?"   on a form (asked on submit) or a button (asked on click)
//   data-copy="element-id"     on a button: copies that field's value
//   data-width="42"            on a progress bar's fill: its width in percent
//   data-height="42"           on a histogram bar: its height in percent
// Sizes are set through the CSSOM (element.style), which the policy allows.
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) return;
    navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
  });

  function percent(value) {
    var n = Number(value);
    return isFinite(n) ? Math.max(0, Math.min(100, n)) + "%" : "0%";
  }
  document.querySelectorAll("[data-width]").forEach(function (el) { el.style.width = percent(el.dataset.width); });
  document.querySelectorAll("[data-height]").forEach(function (el) { el.style.height = percent(el.dataset.height); });

  // Follow a background job: fetch its JSON status every second (every 5 s after an error) and
  // hand it to `update`, until `update` says the job is over by returning true (then reload:
  // the page shows the result).
  window.Kindred = {
    follow: function (url, update) {
      function poll() {
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return r.json();
          })
          .then(function (s) {
            if (update(s)) window.location.reload();
            else window.setTimeout(poll, 1000);
          })
          .catch(function () { window.setTimeout(poll, 5000); });
      }
      window.setTimeout(poll, 1000);
    },
  };
})();
