/* The work page. A browser draft: every change is kept in localStorage (a power cut loses
   nothing) and sent to the server every few seconds; the page works without this script.
   A preview form (the requester's) is never sent. */
(function () {
  var form = document.getElementById("work-form");
  if (!form) return;
  if (form.hasAttribute("data-preview")) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    return;
  }
  var key = form.dataset.draftKey, url = form.dataset.draftUrl, status = document.getElementById("draft-status");
  if (!key || !url) return;
  function values() {
    var out = {};
    new FormData(form).forEach(function (v, k) { if (k === "csrfmiddlewaretoken" || k === "action") return;
      if (out[k] === undefined) out[k] = v; else out[k] = [].concat(out[k], v); });
    return out;
  }
  try {
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved) Object.keys(saved).forEach(function (name) {
      var vals = [].concat(saved[name]);
      form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") el.checked = vals.indexOf(el.value) >= 0;
        else if (vals[0] !== undefined) {
          el.value = vals[0];
          el.dispatchEvent(new Event("atelier:restored"));  // boxes and highlights redraw (fields.js)
        }
      });
    });
  } catch (e) {}
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; try { localStorage.setItem(key, JSON.stringify(values())); } catch (e) {} });
  setInterval(function () {
    if (!dirty || !navigator.onLine) return;
    dirty = false;
    fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin"}).then(function (r) {
      if (r.ok && status) status.textContent = status.dataset.saved;
    }).catch(function () { dirty = true; });
  }, 5000);
  form.addEventListener("submit", function (ev) {
    if (ev.submitter && ev.submitter.value !== "save") { try { localStorage.removeItem(key); } catch (e) {} }
  });
})();
