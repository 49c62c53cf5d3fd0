/* Atelier forums: makes a room page live. No framework.
   The page works without this script (post, then reload). With it: new messages appear as
   they are posted, the socket reconnects by itself (with backoff) and, on reconnecting, asks
   for everything after the last sequence number it saw, so nothing is missed offline. */
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (!list || !("WebSocket" in window)) return;
  var roomId = parseInt(list.dataset.room, 10);
  var last = parseInt(list.dataset.head, 10) || 0;
  var status = document.getElementById("live-status");
  var form = document.getElementById("post");
  var ws = null, retry = 0, timer = null, heartbeat = null, awaitingPong = false, counter = 0, readTimer = null;

  function setStatus(kind) {
    status.className = kind;
    status.dataset.state = kind;
    status.textContent = status.dataset[kind] || kind;
  }

  function connect() {
    clearTimeout(timer);
    if (ws) return;
    if (!navigator.onLine) { setStatus("offline"); return; }
    setStatus("connecting");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + list.dataset.ws);
    ws = socket;
    socket.onopen = function () {
      retry = 0;
      send({ type: "join", room: roomId, since: last });
      clearInterval(heartbeat);
      heartbeat = setInterval(function () {
        if (awaitingPong) { socket.close(); return; }  // silently dead: start again
        awaitingPong = true;
        send({ type: "ping" });
      }, 25000);
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      awaitingPong = false;
      clearInterval(heartbeat);
      if (event.code === 4401) { setStatus("offline"); return; }  // logged out: reload to log in
      setStatus(navigator.onLine ? "connecting" : "offline");
      if (navigator.onLine) schedule();
    };
  }

  function schedule() {
    clearTimeout(timer);
    var delay = Math.min(30000, 500 * Math.pow(2, retry)) * (0.5 + Math.random());
    retry += 1;
    timer = setTimeout(connect, delay);
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  window.addEventListener("offline", function () {
    setStatus("offline");
    if (ws) { var socket = ws; ws = null; clearInterval(heartbeat); socket.close(); }
  });
  window.addEventListener("online", function () { retry = 0; connect(); });

  function handle(frame) {
    if (frame.type === "joined") { setStatus("online"); markRead(); }
    else if (frame.type === "pong") { awaitingPong = false; }
    else if (frame.type === "message" && frame.room === roomId) {
      render(frame.message);
      if (frame.message.seq > last) last = frame.message.seq;
      markRead();
    }
    else if (frame.type === "posted") {
      if (form && frame.ref === form.dataset.ref) {
        form.querySelector("textarea").value = "";
        var reply = form.querySelector("input[name=reply_to]");
        if (reply) reply.value = "";
        form.dataset.ref = "";
        clearError();
      }
    }
    else if (frame.type === "error") { showError(frame.message); }
    else if (frame.type === "left" && frame.code === "access_lost" && frame.room === roomId) {
      showError(frame.message);
      if (form) form.querySelector("button[type=submit]").disabled = true;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(m) {
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    var item = el("li", "card message" + (m.hidden ? " hidden-msg" : "") + " fresh");
    item.id = "m" + m.id;
    item.dataset.id = m.id;
    item.dataset.seq = m.seq;
    item.dataset.postedSeq = m.posted_seq;
    var meta = el("div", "meta");
    meta.appendChild(el("strong", "author", m.author));
    if (m.author_role !== "member") meta.appendChild(el("span", "badge", m.author_role));
    var when = el("small", "muted");
    var anchor = el("a", "", "#" + m.posted_seq);
    anchor.href = "#m" + m.id;
    when.appendChild(anchor);
    when.appendChild(document.createTextNode(" · " + new Date(m.created_at).toLocaleString()));
    meta.appendChild(when);
    if (m.reply_to) {
      var ref = el("small", "muted reply-ref", "↪ ");
      var link = el("a", "", status.dataset.reply + " #" + m.reply_to.posted_seq + " (" + m.reply_to.author + ")");
      link.href = "#m" + m.reply_to.id;
      ref.appendChild(link);
      meta.appendChild(ref);
    }
    item.appendChild(meta);
    if (m.hidden) {
      var note = el("p", "msg warning hidden-note", status.dataset.hidden + " " + status.dataset.reason + " ");
      note.appendChild(el("span", "hidden-reason", m.hidden_reason));
      item.appendChild(note);
    }
    if (m.html) {
      var body = el("div", "body");
      body.innerHTML = m.html;  // sanitised on the server (nh3)
      item.appendChild(body);
    }
    if (m.edit_count) item.appendChild(el("small", "muted", status.dataset.edited + " (" + m.edit_count + ")"));
    var actions = el("div", "actions");
    if (form && !m.hidden) {
      var replyLink = el("a", "", "↪");
      replyLink.href = "?reply=" + m.id + "#post";
      actions.appendChild(replyLink);
    }
    item.appendChild(actions);
    var existing = document.getElementById("m" + m.id);
    if (existing) {
      if (parseInt(existing.dataset.seq, 10) > m.seq) return;
      existing.replaceWith(item);
      return;
    }
    var after = null;
    var items = list.querySelectorAll("li.message");
    for (var i = 0; i < items.length; i++) {
      if (parseInt(items[i].dataset.postedSeq, 10) > m.posted_seq) { after = items[i]; break; }
    }
    list.insertBefore(item, after);
  }

  function markRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (document.visibilityState === "visible") send({ type: "read", room: roomId, seq: last });
    }, 800);
  }
  document.addEventListener("visibilitychange", markRead);

  var errorBox = null;
  function showError(text) {
    if (!form) return;
    if (!errorBox) { errorBox = el("p", "msg error"); errorBox.setAttribute("role", "alert"); form.prepend(errorBox); }
    errorBox.textContent = status.dataset.error + " " + text;
  }
  function clearError() { if (errorBox) { errorBox.remove(); errorBox = null; } }

  if (form) {
    form.addEventListener("submit", function (event) {
      var body = form.querySelector("textarea").value;
      var reply = form.querySelector("input[name=reply_to]");
      counter += 1;
      var ref = "p" + Date.now() + "-" + counter;
      var frame = { type: "post", room: roomId, body: body, reply_to: reply && reply.value ? parseInt(reply.value, 10) : null, ref: ref };
      if (send(frame)) {
        event.preventDefault();
        form.dataset.ref = ref;
      } else if (!navigator.onLine) {
        event.preventDefault();
        showError(status.dataset.offline);
      }
      // otherwise: an ordinary form post and a reload
    });
  }

  connect();
})();
