/* Atelier's feed: tells the member when work opens, without polling (issue 18). No framework.
   The feed works without this script (reload it, or ask to be told by notice). With it, the
   socket /ws/work/ says when a project of the member's coop opens, reopens or gets a new
   batch, and a line at the top of the feed links to it. The socket reconnects by itself (with
   backoff) and, on reconnecting, asks for what opened while it was away. */
(function () {
  "use strict";
  var box = document.getElementById("work-live");
  if (!box || !("WebSocket" in window)) return;
  var list = box.querySelector("ul");
  var since = null, ws = null, retry = 0, timer = null, heartbeat = null, awaitingPong = false;
  var shown = {};

  function connect() {
    clearTimeout(timer);
    if (ws || !navigator.onLine) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + box.dataset.ws);
    ws = socket;
    socket.onopen = function () {
      retry = 0;
      clearInterval(heartbeat);
      heartbeat = setInterval(function () {
        if (awaitingPong) { socket.close(); return; }
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
      if (event.code === 4401 || event.code === 4403) return;  // logged out or not a member: nothing to follow
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
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function handle(frame) {
    if (frame.type === "ready") {
      if (since) send({ type: "catch_up", since: since });  // what opened while we were away
      else since = frame.now;
    }
    else if (frame.type === "pong") { awaitingPong = false; }
    else if (frame.type === "work_opened") {
      if (frame.opened_at > since) since = frame.opened_at;
      show(frame);
    }
  }

  function show(frame) {
    var item = shown[frame.project];
    if (!item) {
      item = document.createElement("li");
      shown[frame.project] = item;
    }
    item.textContent = box.dataset.opened + " ";
    var link = document.createElement("a");
    link.href = frame.url;
    link.setAttribute("translate", "no");
    link.textContent = frame.title;
    item.appendChild(link);
    item.appendChild(document.createTextNode(" (" + box.dataset.left + " " + frame.remaining + ")"));
    list.insertBefore(item, list.firstChild);
    box.hidden = false;
  }

  window.addEventListener("offline", function () {
    if (ws) { var socket = ws; ws = null; clearInterval(heartbeat); socket.close(); }
  });
  window.addEventListener("online", function () { retry = 0; connect(); });
  connect();
})();
