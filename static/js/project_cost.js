/* The draft form's cost preview follows what is typed: the server computes the figures
   (tasks/views/requester.py project_cost, the fees publishing fixes) and sends the fragment. */
(function () {
  var box = document.getElementById("cost-preview");
  if (!box || !window.fetch) return;
  var form = box.closest("form");
  var names = ["org", "coop", "reward", "estimated_minutes", "assignments_per_task", "preview_tasks"];
  var timer = null, asked = 0;

  function refresh() {
    var params = new URLSearchParams();
    names.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) params.set(name === "preview_tasks" ? "tasks" : name, field.value);
    });
    if (box.dataset.project) params.set("project", box.dataset.project);
    var mine = ++asked;
    fetch(box.dataset.url + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== asked) return;
        var old = document.getElementById("cost-figures");
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#cost-figures");
        if (old && fresh) old.replaceWith(fresh);
      })
      .catch(function () {});
  }

  form.addEventListener("input", function (event) {
    if (names.indexOf(event.target.name) < 0) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "coop") refresh();
  });
})();
