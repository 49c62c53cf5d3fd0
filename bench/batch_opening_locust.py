"""The Locust users of bench/batch_opening.py (run by it; not on its own).

`BENCH_WORLD` names a JSON file written by bench/batch_opening.py: the server's address, the
members' session keys, the project to publish, the requester's API key and the run's bounds.

- mode "batch": each user is one member. It opens the work socket (`/ws/work/`, its session),
  waits for the `work_opened` frame of the project, then claims and submits through the member
  API (`POST /api/projects/<id>/claim/`, `POST /api/work/assignments/<id>/submit/`) until the
  answer is "no free slot" or "fair share reached". The first `scripted` share of the members
  claim at once (a script); the others react, and work each task, in `human` seconds (a range).
  A conductor greenlet waits until every member's socket is ready, publishes the project over
  the requester API (its API key), waits until every member is done (or the time bound), writes
  what it measured to `results` and stops Locust.
- mode "baseline": each user asks `GET /healthz` (the same server, the same users) for
  `baseline_seconds`: the HTTP stack's own rate in the same run.

Traffic goes only to the address in the world file (127.0.0.1)."""

import itertools
import json
import os
import random
import time
import urllib.request
from collections import Counter
from datetime import datetime

import gevent
import websocket
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

WORLD = json.loads(open(os.environ["BENCH_WORLD"]).read())
MODE = WORLD["mode"]
MEMBERS = WORLD["members"]
SCRIPTED = int(MEMBERS * WORLD.get("scripted", 0))
CSRF = "b" * 32  # the double-submit token: the same value in the cookie and the header

_index = itertools.count()
READY = []
DONE = []
RESULTS = {"delivery_s": [], "notice_at": [], "claim_s": [], "claim_wait_s": [], "submit_s": [], "claim_at": [],
           "refusals": Counter(), "errors": Counter(), "throttled": 0, "shed": 0, "resent": 0, "resent_were_done": 0,
           "publish": {}}
SUBMIT_TRIES = 50  # a submission shed (503) or throttled (429) is tried again after Retry-After


def _error(kind):
    RESULTS["errors"][kind] += 1


class Member(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 60.0
    network_timeout = 120.0

    def on_start(self):
        self.i = next(_index)
        if MODE == "baseline":
            READY.append(self.i)
            return
        cookie = f"sessionid={WORLD['cookies'][self.i]}; csrftoken={CSRF}"
        self.headers = {"Cookie": cookie, "X-CSRFToken": CSRF, "Content-Type": "application/json"}
        self.ws = None
        try:
            self.ws = websocket.create_connection(f"ws://{WORLD['address']}/ws/work/", header=[f"Cookie: {cookie}"],
                                                  origin=f"http://{WORLD['address']}", timeout=60)
            frame = json.loads(self.ws.recv())
        except Exception as exc:  # counted, and this member does not take part
            _error(f"socket {type(exc).__name__}")
            DONE.append(self.i)
            raise StopUser()
        if frame.get("type") != "ready":
            _error(f"socket {frame.get('code')}")
            DONE.append(self.i)
            raise StopUser()
        READY.append(self.i)

    @task
    def take_part(self):
        if MODE == "baseline":
            self.client.get("/healthz", name="healthz")
            return
        try:
            self.batch()
        except StopUser:
            raise
        except Exception as exc:
            _error(f"exception {type(exc).__name__}")
        finally:
            DONE.append(self.i)
            if self.ws is not None:
                self.ws.close()
        raise StopUser()

    def batch(self):
        deadline = WORLD["started"] + WORLD["max_seconds"]
        self.ws.settimeout(max(1, deadline - time.time()))
        while True:
            frame = json.loads(self.ws.recv())
            if frame.get("type") == "work_opened" and frame.get("project") == WORLD["project"]:
                break
        got = time.time()
        RESULTS["delivery_s"].append(got - datetime.fromisoformat(frame["sent_at"]).timestamp())
        RESULTS["notice_at"].append(got)
        human = self.i >= SCRIPTED
        low, high = WORLD["human"]
        if human:
            gevent.sleep(random.uniform(low, high))  # reading the notice, opening the page
        claim_path = f"/api/projects/{WORLD['project']}/claim/"
        first_try = time.perf_counter()  # a claim shed or throttled is tried again: its wait counts too
        while time.time() < deadline:
            start = time.perf_counter()
            with self.client.post(claim_path, headers=self.headers, name="claim", catch_response=True) as r:
                took = time.perf_counter() - start
                code = _code(r)
                if r.status_code == 201:
                    RESULTS["claim_s"].append(took)
                    RESULTS["claim_wait_s"].append(time.perf_counter() - first_try)
                    RESULTS["claim_at"].append(time.time())
                    assignment = r.json()["id"]
                elif r.status_code == 409 and code in ("no_free_slot", "fair_share_reached"):
                    r.success()  # the expected end of a member's run
                    RESULTS["refusals"][code] += 1
                    return
                elif r.status_code in (429, 503):
                    r.success()
                    _wait(r)
                    continue
                else:
                    r.failure(f"{r.status_code} {code}")
                    # told the work opened, yet refused as not open: was the publish still unanswered?
                    early = code == "project_not_open" and not RESULTS["publish"]
                    _error(f"claim {_what(r, code)}" + (" (before the publish answered)" if early else ""))
                    return
            if human:
                gevent.sleep(random.uniform(low, high))  # doing the task
            self.submit(assignment)
            first_try = time.perf_counter()

    def submit(self, assignment):
        """Submit, trying again after a 503/429 (Retry-After) and after no answer at all: a
        keep-alive connection the server closed as the request left (uvicorn closes one idle for
        5 s) gives status 0. A submission is safe to send again: the second of two that both
        arrived is refused `not_submittable`, which then means the first went through."""
        body = json.dumps({"answers": {"label": "yes"}})
        resent = False
        for _ in range(SUBMIT_TRIES):
            start = time.perf_counter()
            with self.client.post(f"/api/work/assignments/{assignment}/submit/", data=body, headers=self.headers,
                                  name="submit", catch_response=True) as r:
                took = time.perf_counter() - start
                if r.status_code == 200:
                    RESULTS["submit_s"].append(took)
                    return
                if r.status_code in (429, 503):
                    r.success()
                    _wait(r)
                    continue
                if r.status_code == 0:  # no answer: sent again on a new connection
                    r.success()
                    RESULTS["resent"] += 1
                    resent = True
                    continue
                if resent and r.status_code == 409 and _code(r) == "not_submittable":
                    r.success()  # the try that got no answer was submitted
                    RESULTS["resent_were_done"] += 1
                    return
                r.failure(f"{r.status_code} {_code(r)}")
                _error(f"submit {_what(r, _code(r))}")
                return
        _error("submit: no answer after every try")


def _wait(response):
    """Honour Retry-After (429: the member's rate; 503: the server shed the request, nothing was
    done), with jitter so that the members told to wait do not all come back at once."""
    if response.status_code == 429:
        RESULTS["throttled"] += 1
    else:
        RESULTS["shed"] += 1
    gevent.sleep(float(response.headers.get("Retry-After") or 1) * random.uniform(1, 2))


def _what(response, code):
    """An error as its status and code, or (status 0: no answer) the client's exception."""
    if response.status_code == 0:
        return f"0 {type(response.error).__name__}: {str(response.error)[:80]}"
    return f"{response.status_code} {code}"


def _code(response):
    try:
        return response.json().get("code")
    except Exception:
        return None


def _publish():
    request = urllib.request.Request(
        f"http://{WORLD['address']}/api/projects/{WORLD['project']}/publish/", method="POST", data=b"",
        headers={"Authorization": f"Bearer {WORLD['api_secret']}", "Idempotency-Key": f"bench-{WORLD['project']}"})
    sent = time.time()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        _error(f"publish {exc.code} {exc.read()[:200]!r}")
    RESULTS["publish"] = {"sent": sent, "answered": time.time(), "status": status}


def conductor(environment):
    deadline = WORLD["started"] + WORLD["max_seconds"]
    while len(READY) + len(DONE) < MEMBERS and time.time() < deadline:
        gevent.sleep(0.2)
    RESULTS["ready"] = len(READY)
    RESULTS["ready_at"] = time.time()
    if MODE == "baseline":
        environment.stats.reset_all()
        start = time.time()
        gevent.sleep(WORLD["baseline_seconds"])
        total = environment.stats.total
        RESULTS["baseline"] = {"requests": total.num_requests, "failures": total.num_failures,
                               "seconds": time.time() - start, "p50_ms": total.get_response_time_percentile(0.5),
                               "p99_ms": total.get_response_time_percentile(0.99)}
    else:
        gevent.sleep(1)  # every socket idle, as before a batch opens
        _publish()
        while len(DONE) < MEMBERS and time.time() < deadline:
            gevent.sleep(0.2)
        RESULTS["done"] = len(DONE)
    RESULTS["timed_out"] = time.time() >= deadline
    with open(WORLD["results"], "w") as out:
        json.dump(RESULTS, out)
    environment.runner.quit()


@events.test_start.add_listener
def _start(environment, **kwargs):
    gevent.spawn(conductor, environment)
