// Show "Your goal" only when the primary goal is "Another goal".
(function () {
  var purpose = document.getElementById("id_purpose");
  var custom = document.getElementById("field-custom_purpose");
  if (!purpose || !custom) return;
  function sync() { custom.hidden = purpose.value !== "custom"; }
  purpose.addEventListener("change", sync);
  sync();
})();
