"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it answers each POST as its
`mode` says (200, 500, or too late for the sender's timeout) and keeps what it received."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, mode="ok", delay=2.0):
        self.mode, self.delay, self.received = mode, delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append({"headers": headers, "body": body, "path": self.path})
                if receiver.mode == "slow":
                    time.sleep(receiver.delay)
                code = 500 if receiver.mode == "fail" else 200
                answer = b"boom" if code == 500 else b"ok"
                try:
                    self.send_response(code)
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
