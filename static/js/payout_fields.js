/* The payout form shows the fields of the chosen method only (ledger/forms.py marks each field
   with the methods that need it); without this script every field shows, and the server
   checks those of the chosen method all the same (ledger/payout_methods.py). */
(function () {
  var select = document.querySelector("select[data-payout-method]");
  if (!select) return;
  var inputs = Array.prototype.slice.call(select.form.querySelectorAll("input[data-methods]"));

  function show() {
    inputs.forEach(function (input) {
      var wanted = input.dataset.methods.split(" ").indexOf(select.value) !== -1;
      var row = input.closest("p") || input;
      row.classList.toggle("js-hidden", !wanted);
      input.disabled = !wanted;
    });
  }

  select.addEventListener("change", show);
  show();
})();
