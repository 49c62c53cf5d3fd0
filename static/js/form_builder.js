/* The question form builder on the project form (issue 20). Without this script the JSON box
   is the form; with it, the box moves into an "advanced" section and a builder edits the same
   list: add, reorder and remove questions of every kind, with their label, help, required,
   choices, limits and CSV columns. The builder edits the parsed JSON in place and writes it
   back with JSON.stringify(list, null, 2), the layout the server writes, so JSON that goes
   through the builder unchanged comes back byte for byte, and keys it does not know are kept.
   Each change asks the server for the member's view (phone width) and for every problem with
   its path ([2].choices), shown on the question it concerns. */
(function () {
  "use strict";
  var box = document.getElementById("id_question_form");
  var root = document.getElementById("form-builder");
  var textEl = document.getElementById("builder-text");
  if (!box || !root || !textEl || !window.fetch) return;
  var T = JSON.parse(textEl.textContent);
  var form = box.closest("form");

  var COMMON = [["label", "str"], ["help", "str"], ["required", "required"]];
  var KEYS = {
    single_choice: [["choices", "lines"]],
    multiple_choice: [["choices", "lines"], ["min", "int"], ["max", "int"]],
    text: [["min_length", "int"], ["max_length", "int"]],
    number: [["min", "num"], ["max", "num"], ["integer", "bool"]],
    likert: [["points", "int"], ["low_label", "str"], ["high_label", "str"]],
    comparison: [["items", "items"], ["left", "str"], ["right", "str"], ["allow_tie", "bool"]],
    highlight: [["source", "str"], ["classes", "lines"], ["min", "int"], ["max", "int"]],
    audio_transcription: [["audio", "str"], ["min_length", "int"], ["max_length", "int"]],
    bounding_boxes: [["image", "str"], ["classes", "lines"], ["min", "int"], ["max", "int"]]
  };
  var STARTERS = {
    single_choice: {choices: ["yes", "no"]}, multiple_choice: {choices: ["a", "b", "c"]}, text: {}, number: {},
    likert: {points: 5}, comparison: {items: "text", left: "item_a", right: "item_b"},
    highlight: {source: "text", classes: ["mark"]}, audio_transcription: {audio: "audio_url"},
    bounding_boxes: {image: "image_url", classes: ["object"]}
  };
  var fields = [], problems = [], timer = null, asked = 0;

  /* ---- the model ---- */
  function write() {
    box.value = JSON.stringify(fields, null, 2);
    schedulePreview();
  }
  function read() {
    try {
      var parsed = JSON.parse(box.value);
      if (!Array.isArray(parsed)) throw new Error("not a list");
      fields = parsed;
      jsonError.hidden = true;
      return true;
    } catch (e) {
      jsonError.hidden = false;
      return false;
    }
  }
  function uniqueName(kind) {
    var base = kind.replace(/[^a-z0-9_]/g, "_"), n = 1, names = fields.map(function (f) { return f && f.name; });
    while (names.indexOf(base + "_" + n) >= 0) n++;
    return base + "_" + n;
  }

  /* ---- small DOM helpers ---- */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function labelled(text, input) {
    return el("label", {}, [document.createTextNode(text), input]);
  }

  function input(field, key, type) {
    var node, has = Object.prototype.hasOwnProperty.call(field, key), value = field[key];
    if (type === "lines") {
      node = el("textarea", {rows: "3", "data-key": key});
      node.value = Array.isArray(value) ? value.join("\n") : (has ? String(value) : "");
      node.addEventListener("input", function () {
        var lines = node.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        field[key] = lines;
        write();
      });
    } else if (type === "bool" || type === "required") {
      node = el("input", {type: "checkbox", "data-key": key});
      node.checked = type === "required" ? value !== false : value === true;
      node.addEventListener("change", function () {
        if (type === "required") {
          if (!node.checked) field.required = false; else if (has) field.required = true; else delete field.required;
        } else if (node.checked) field[key] = true; else if (has) field[key] = false; else delete field[key];
        write();
      });
    } else if (type === "items") {
      node = el("select", {"data-key": key});
      ["text", "image", "audio"].forEach(function (k) {
        var option = el("option", {value: k, text: T.item_kinds[k]});
        if ((value || "text") === k) option.selected = true;
        node.appendChild(option);
      });
      node.addEventListener("change", function () { field[key] = node.value; write(); });
    } else {
      node = el("input", {type: type === "str" ? "text" : "number", "data-key": key});
      if (type === "num") node.setAttribute("step", "any");
      if (type === "int") node.setAttribute("step", "1");
      node.value = has && value !== null ? String(value) : "";
      node.addEventListener("input", function () {
        var raw = node.value;
        if (raw === "" && key !== "label") { delete field[key]; write(); return; }
        if (type === "int") field[key] = /^-?\d+$/.test(raw) ? parseInt(raw, 10) : raw;
        else if (type === "num") field[key] = isFinite(Number(raw)) && raw.trim() !== "" ? Number(raw) : raw;
        else field[key] = raw;
        write();
      });
    }
    return node;
  }

  function showInputs(field) {
    return ["text", "image", "audio"].map(function (kind) {
      var node = el("input", {type: "text", "data-key": "show." + kind});
      node.value = field.show && field.show[kind] ? field.show[kind] : "";
      node.addEventListener("input", function () {
        var show = field.show && typeof field.show === "object" ? field.show : {};
        if (node.value.trim()) show[kind] = node.value.trim(); else delete show[kind];
        if (Object.keys(show).length) field.show = show; else delete field.show;
        write();
      });
      return labelled(T["show_" + kind], node);
    });
  }

  function move(index, by) {
    var to = index + by;
    if (to < 0 || to >= fields.length) return;
    var item = fields.splice(index, 1)[0];
    fields.splice(to, 0, item);
    write();
    render();
  }

  /* ---- the cards ---- */
  var list = el("div", {class: "builder-fields"});
  var adder = el("p", {class: "builder-row"});
  var kindSelect = el("select", {id: "builder-kind", "aria-label": T.add});
  Object.keys(KEYS).forEach(function (kind) { kindSelect.appendChild(el("option", {value: kind, text: T.kinds[kind]})); });
  var addButton = el("button", {type: "button", class: "secondary", id: "builder-add", text: T.add});
  addButton.addEventListener("click", function () {
    var kind = kindSelect.value, starter = JSON.parse(JSON.stringify(STARTERS[kind]));
    var field = {name: uniqueName(kind), type: kind, label: T.kinds[kind]};
    Object.keys(starter).forEach(function (k) { field[k] = starter[k]; });
    fields.push(field);
    write();
    render();
    var cards = list.querySelectorAll(".builder-field");
    if (cards.length) cards[cards.length - 1].querySelector("[data-key=label]").focus();
  });
  adder.appendChild(kindSelect);
  adder.appendChild(addButton);
  var columns = el("p", {class: "muted", id: "builder-columns"});
  var preview = el("div", {class: "builder-preview", id: "builder-preview", "aria-live": "polite"});
  var jsonError = el("p", {class: "errorlist", text: T.bad_json});
  jsonError.hidden = true;

  function render() {
    list.textContent = "";
    fields.forEach(function (field, index) {
      var card = el("fieldset", {class: "builder-field", "data-index": String(index)});
      if (!field || typeof field !== "object" || Array.isArray(field)) {
        card.appendChild(el("legend", {text: T.field.replace("%(n)s", index + 1)}));
        list.appendChild(card);
        return;
      }
      var kind = KEYS[field.type] ? field.type : null;
      card.appendChild(el("legend", {text: T.field.replace("%(n)s", index + 1) + " · " + (kind ? T.kinds[kind] : String(field.type))}));
      var row = el("div", {class: "builder-row"});
      row.appendChild(labelled(T.name, input(field, "name", "str")));
      COMMON.forEach(function (pair) { row.appendChild(labelled(T[pair[0]], input(field, pair[0], pair[1]))); });
      (kind ? KEYS[kind] : []).forEach(function (pair) { row.appendChild(labelled(T[pair[0]], input(field, pair[0], pair[1]))); });
      card.appendChild(row);
      var shows = el("div", {class: "builder-row"});
      showInputs(field).forEach(function (n) { shows.appendChild(n); });
      card.appendChild(shows);
      var tools = el("p", {class: "builder-row"});
      [["up", -1], ["down", 1]].forEach(function (pair) {
        var b = el("button", {type: "button", class: "secondary", "data-action": pair[0], text: T[pair[0]]});
        b.addEventListener("click", function () { move(index, pair[1]); });
        tools.appendChild(b);
      });
      var remove = el("button", {type: "button", class: "secondary", "data-action": "remove", text: T.remove});
      remove.addEventListener("click", function () { fields.splice(index, 1); write(); render(); });
      tools.appendChild(remove);
      card.appendChild(tools);
      var errs = el("ul", {class: "builder-errors"});
      problems.filter(function (p) { return p.field === index; }).forEach(function (p) {
        errs.appendChild(el("li", {"data-path": p.path, text: p.text}));
      });
      card.appendChild(errs);
      list.appendChild(card);
    });
  }

  function showProblems() {
    list.querySelectorAll(".builder-field").forEach(function (card) {
      var index = +card.dataset.index, errs = card.querySelector(".builder-errors");
      if (!errs) return;
      errs.textContent = "";
      problems.filter(function (p) { return p.field === index; }).forEach(function (p) {
        errs.appendChild(el("li", {"data-path": p.path, text: p.text}));
      });
    });
    var whole = problems.filter(function (p) { return p.field === null || p.field === undefined; });
    if (whole.length) {
      preview.textContent = "";
      var ul = el("ul", {class: "builder-errors"});
      whole.forEach(function (p) { ul.appendChild(el("li", {text: p.text})); });
      preview.appendChild(ul);
    }
  }

  function refreshPreview() {
    var body = new FormData();
    body.set("question_form", box.value);
    body.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    var org = form.elements.org;
    if (org) body.set("org", org.value);
    var mine = ++asked;
    fetch(root.dataset.previewUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (mine !== asked) return;
        problems = answer.ok ? [] : (answer.errors || []);
        if (answer.ok) {
          preview.innerHTML = answer.html;
          preview.querySelectorAll("input, textarea, select, button").forEach(function (n) { n.setAttribute("form", "builder-nothing"); });
          if (window.atelierFields) window.atelierFields.init(preview);
          columns.textContent = T.columns + " " + (answer.columns.length ? answer.columns.join(", ") : T.none);
        }
        showProblems();
      })
      .catch(function () {});
  }
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 350);
  }

  /* ---- set up: the JSON box goes into "advanced" ---- */
  var holder = box.closest("p") || box.parentNode;
  var advanced = el("details", {class: "card", id: "builder-advanced"}, [el("summary", {text: T.advanced})]);
  holder.parentNode.insertBefore(advanced, holder);
  advanced.parentNode.insertBefore(root, advanced);
  advanced.appendChild(jsonError);
  advanced.appendChild(holder);
  root.hidden = false;
  root.appendChild(list);
  root.appendChild(adder);
  root.appendChild(columns);
  root.appendChild(el("h3", {text: T.preview}));
  root.appendChild(preview);
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { if (read()) { render(); refreshPreview(); } }, 400);
  });
  if (read()) render();
  if (box.closest("details") && holder.querySelector(".errorlist")) advanced.open = true;
  refreshPreview();
})();
