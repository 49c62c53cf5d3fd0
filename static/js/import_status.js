/* A CSV import's page follows its progress until it is done, then reloads. */
(function () {
  var box = document.getElementById("import");
  if (!box || ["pending", "validating"].indexOf(box.dataset.status) < 0) return;
  var timer = setInterval(function () {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      var bar = document.getElementById("import-bar");
      bar.value = d.percent;
      bar.textContent = d.percent + "%";
      document.getElementById("import-rows").textContent = d.processed_rows + " / " + d.total_rows;
      if (["pending", "validating"].indexOf(d.status) < 0) { clearInterval(timer); location.reload(); }
    });
  }, 1000);
})();
