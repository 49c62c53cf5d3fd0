/* The richer question kinds on the work page (templates/tasks/_field_kinds.html). The page
   works without this script: each kind's text box holds the answer as lines a member can type.
   This script draws on top of that box and keeps it up to date:
   - boxes on an image: drag with a mouse or a finger; a box is kept in pixels of the full-size
     picture, written as "label: x y w h";
   - highlighting: select words, press "Mark as <label>"; written as "@start-end label: passage".
   window.atelierFields.init(root) sets up the fields under root (the builder's preview uses it). */
(function () {
  "use strict";
  if (window.atelierFields) return;  // one script tag per field that needs it: run once

  function changed(textarea) {
    textarea.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function removeButton(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  /* ---- boxes ---- */
  var BOX = /^(?:([^:]+):)?\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)[\s,]+(\d+)\s*$/;

  function parseBoxes(text) {
    var out = [];
    (text || "").split("\n").forEach(function (line) {
      var m = BOX.exec(line.trim());
      if (m) out.push({label: (m[1] || "").trim(), x: +m[2], y: +m[3], w: +m[4], h: +m[5]});
    });
    return out;
  }

  function initBoxes(root) {
    var img = root.querySelector(".bbox-image"), stage = root.querySelector(".bbox-stage");
    var text = root.querySelector(".bbox-text"), list = root.querySelector(".bbox-list");
    var tools = root.querySelector(".bbox-tools"), hint = root.querySelector(".bbox-hint");
    var fallback = root.querySelector(".bbox-fallback");
    var editable = !text.disabled && tools;
    var boxes = parseBoxes(text.value), drawing = null, ghost = null;
    text.classList.add("js-hidden");
    if (fallback) fallback.classList.add("js-hidden");
    if (editable) { tools.hidden = false; if (hint) hint.hidden = false; stage.classList.add("drawing"); }

    function scale() { return img.naturalWidth && img.clientWidth ? img.naturalWidth / img.clientWidth : 1; }
    function currentClass() {
      var checked = tools && tools.querySelector("input:checked");
      return checked ? checked.value : "";
    }
    function write() {
      text.value = boxes.map(function (b) { return b.label + ": " + b.x + " " + b.y + " " + b.w + " " + b.h; }).join("\n");
      changed(text);
    }
    function place(el, b) {
      var s = scale();
      el.style.left = (b.x / s) + "px"; el.style.top = (b.y / s) + "px";
      el.style.width = (b.w / s) + "px"; el.style.height = (b.h / s) + "px";
    }
    function render() {
      stage.querySelectorAll(".bbox-box").forEach(function (el) { el.remove(); });
      list.textContent = "";
      boxes.forEach(function (b, i) {
        var el = document.createElement("div");
        el.className = "bbox-box";
        var tag = document.createElement("span");
        tag.textContent = b.label;
        el.appendChild(tag);
        place(el, b);
        stage.appendChild(el);
        var li = document.createElement("li");
        li.textContent = b.label + ": " + b.x + " " + b.y + " " + b.w + " × " + b.h + " ";
        if (editable) li.appendChild(removeButton(root.dataset.remove || "×", function () {
          boxes.splice(i, 1); write(); render();
        }));
        list.appendChild(li);
      });
    }
    function point(ev) {
      var r = img.getBoundingClientRect(), s = scale();
      var x = Math.min(Math.max(ev.clientX - r.left, 0), r.width), y = Math.min(Math.max(ev.clientY - r.top, 0), r.height);
      return {x: x * s, y: y * s};
    }
    function rect(a, b) {
      return {x: Math.round(Math.min(a.x, b.x)), y: Math.round(Math.min(a.y, b.y)),
              w: Math.round(Math.abs(a.x - b.x)), h: Math.round(Math.abs(a.y - b.y)), label: currentClass()};
    }
    if (editable) {
      stage.addEventListener("pointerdown", function (ev) {
        if (ev.button !== undefined && ev.button > 0) return;
        ev.preventDefault();
        stage.setPointerCapture(ev.pointerId);
        drawing = point(ev);
        ghost = document.createElement("div");
        ghost.className = "bbox-box";
        stage.appendChild(ghost);
      });
      stage.addEventListener("pointermove", function (ev) {
        if (!drawing) return;
        place(ghost, rect(drawing, point(ev)));
      });
      var finish = function (ev) {
        if (!drawing) return;
        var b = rect(drawing, point(ev));
        drawing = null;
        if (ghost) ghost.remove();
        if (b.w >= 2 && b.h >= 2) { boxes.push(b); write(); }
        render();
      };
      stage.addEventListener("pointerup", finish);
      stage.addEventListener("pointercancel", function () { drawing = null; if (ghost) ghost.remove(); });
    }
    text.addEventListener("atelier:restored", function () { boxes = parseBoxes(text.value); render(); });
    if (img.complete) render(); else img.addEventListener("load", render);
    window.addEventListener("resize", render);
  }

  /* ---- highlighting ---- */
  var SPAN = /^@(\d+)-(\d+)\s+(?:([^:]{1,60}):\s?)?([\s\S]*)$/;

  function initHighlight(root) {
    var source = root.querySelector(".hl-source"), text = root.querySelector(".hl-text");
    var list = root.querySelector(".hl-list"), tools = root.querySelector(".hl-tools");
    var fallback = root.querySelector(".hl-fallback");
    var full = source.textContent, editable = !text.disabled && tools, spans = [];
    function read() {
      spans = [];
      (text.value || "").split("\n").forEach(function (line) {
        var m = SPAN.exec(line.trim());
        if (m) spans.push({start: +m[1], end: +m[2], label: (m[3] || "").trim()});
      });
    }
    function write() {
      text.value = spans.map(function (s) {
        return "@" + s.start + "-" + s.end + " " + s.label + ": " + full.slice(s.start, s.end).replace(/\n/g, " ");
      }).join("\n");
      changed(text);
    }
    function render() {
      source.textContent = "";
      var cuts = [0, full.length];
      spans.forEach(function (s) { cuts.push(s.start, s.end); });
      cuts = cuts.filter(function (c, i) { return cuts.indexOf(c) === i && c >= 0 && c <= full.length; })
        .sort(function (a, b) { return a - b; });
      for (var i = 0; i + 1 < cuts.length; i++) {
        var a = cuts[i], b = cuts[i + 1], piece = full.slice(a, b);
        var hit = spans.filter(function (s) { return s.start <= a && s.end >= b; });
        if (hit.length) {
          var mark = document.createElement("mark");
          mark.textContent = piece;
          mark.title = hit.map(function (s) { return s.label; }).join(", ");
          source.appendChild(mark);
        } else source.appendChild(document.createTextNode(piece));
      }
      list.textContent = "";
      spans.forEach(function (s, i) {
        var li = document.createElement("li");
        li.textContent = s.label + ": “" + full.slice(s.start, s.end) + "” ";
        if (editable) li.appendChild(removeButton(root.dataset.remove || "×", function () {
          spans.splice(i, 1); write(); render();
        }));
        list.appendChild(li);
      });
    }
    function offset(node, off) {
      var range = document.createRange();
      range.setStart(source, 0);
      range.setEnd(node, off);
      return range.toString().length;
    }
    text.classList.add("js-hidden");
    if (fallback) fallback.classList.add("js-hidden");
    if (editable) {
      tools.hidden = false;
      tools.querySelectorAll(".hl-mark").forEach(function (button) {
        button.addEventListener("click", function () {
          var sel = window.getSelection();
          if (!sel || sel.isCollapsed || !source.contains(sel.anchorNode) || !source.contains(sel.focusNode)) return;
          var a = offset(sel.anchorNode, sel.anchorOffset), b = offset(sel.focusNode, sel.focusOffset);
          var start = Math.min(a, b), end = Math.max(a, b);
          while (start < end && /\s/.test(full[start])) start++;
          while (end > start && /\s/.test(full[end - 1])) end--;
          if (end > start) { spans.push({start: start, end: end, label: button.value}); spans.sort(function (x, y) { return x.start - y.start; }); write(); }
          sel.removeAllRanges();
          render();
        });
      });
    }
    text.addEventListener("atelier:restored", function () { read(); render(); });
    read();
    render();
  }

  function once(setup) {
    return function (node) {
      if (node.dataset.ready) return;
      node.dataset.ready = "1";
      setup(node);
    };
  }

  function init(root) {
    (root || document).querySelectorAll(".bbox").forEach(once(initBoxes));
    (root || document).querySelectorAll(".hl").forEach(once(initHighlight));
  }

  window.atelierFields = {init: init, parseBoxes: parseBoxes};
  init(document);
})();
