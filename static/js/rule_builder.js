// The proposal form's rule builder: shows, as you choose, the JSON rule the conditions make.
// Without JavaScript the "Show the rule" button asks the server for the same preview.
(function () {
  "use strict";
  var out = document.getElementById("rule-json");
  if (!out) { return; }
  var form = out.closest("form");
  function value(op, text) {
    text = (text || "").trim();
    if (op === "in") { return text.split(",").map(function (c) { return c.trim().toUpperCase(); }).filter(Boolean); }
    if (op === "has") { return text.toLowerCase(); }
    var n = Number(text.replace(",", "."));
    return text !== "" && !isNaN(n) ? n : text;
  }
  function update() {
    var clauses = [];
    for (var i = 1; i <= 3; i++) {
      var metric = form.elements["rule_metric_" + i];
      if (!metric || !metric.value) { continue; }
      var op = form.elements["rule_op_" + i].value || ">=";
      clauses.push({metric: metric.value, op: op, value: value(op, form.elements["rule_value_" + i].value)});
    }
    var typed = form.elements.qualification_rule ? form.elements.qualification_rule.value.trim() : "";
    if (typed) { out.textContent = typed; return; }
    if (!clauses.length) { out.textContent = "—"; return; }
    var rule = clauses.length === 1 ? clauses[0] : {};
    if (clauses.length > 1) { rule[form.elements.rule_join.value || "all"] = clauses; }
    out.textContent = JSON.stringify(rule);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
