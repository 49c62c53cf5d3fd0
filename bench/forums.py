"""Forums fan-out benchmark: N websocket clients in one room, S of them posting at a fixed
total rate, all driven by this one asyncio process (so the machine measures the server, not
a crowd of client processes), against uvicorn serving coop.asgi on the Redis channel layer.

Measured: delivered messages per second (frames received by all clients / sending time),
fan-out latency p50/p99 (post sent → received at each client), the share delivered live
and the share delivered counting the final catch-up (must be 100%).
Baseline, in the same run: the same fan-out through Redis pub/sub directly (N subscriber
connections, S publishers, same rate and duration).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_forums REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/forums.py [--clients 500 --senders 50 --rate 10 --duration 15 --servers 1]

The last line is one JSON object with the figures."""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
# The server runs without DEBUG (as in production); sessions made here must verify there,
# so both processes share the same secret key.
os.environ["DEBUG"] = "false"
os.environ["SECURE_SSL_REDIRECT"] = "false"  # plain HTTP on 127.0.0.1 (production redirects to HTTPS)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")


async def paced_sends(send, offset, interval, duration):
    """After `offset` seconds, await `send(n)` for n = 1, 2, ... every `interval` seconds for
    `duration` seconds (one sender of the benchmark); return how many were sent."""
    await asyncio.sleep(offset)
    next_at = time.perf_counter()
    end = next_at + duration
    n = 0
    while time.perf_counter() < end:
        n += 1
        await send(n)
        next_at += interval
        if next_at >= end:
            break
        await asyncio.sleep(max(0, next_at - time.perf_counter()))
    return n


def percentile(values, pct):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(pct / 100 * (len(values) - 1))))
    return values[k]


# --- set-up through Django (synchronous) -----------------------------------------------
def setup_world(clients):
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import MemberProfile, User
    from coop.federation import services as federation
    from coop.federation.models import Membership
    from coop.forums.registry import room_for

    run = str(int(time.time()))
    federation.federation_setup(name="Bench Federation", currency="USD")
    operator = User.objects.filter(email="bench-operator@bench.example").first() or User.objects.create_superuser(
        email="bench-operator@bench.example", password=None)
    coop = federation.coop_create(operator=operator, name=f"Bench coop {run}", slug=f"bench-{run}", country="MG")
    User.objects.bulk_create([User(email=f"bench{run}-{i}@bench.example", password="!") for i in range(clients)])
    users = list(User.objects.filter(email__startswith=f"bench{run}-").order_by("pk"))
    MemberProfile.objects.bulk_create([MemberProfile(user=u, display_name=f"Bench {i}") for i, u in enumerate(users)])
    now = timezone.now()
    Membership.objects.bulk_create([Membership(user=u, coop=coop, status=Membership.Status.ACTIVE, joined_at=now)
                                    for u in users])
    room = room_for(coop)
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.UserBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(session.session_key)
    return room.pk, cookies


class PeakMemory:
    """The largest resident set of each server process while the run lasts (sampled each 0.5 s)."""

    def __init__(self, pids):
        import threading

        self.pids, self.peak, self.done = pids, {pid: 0 for pid in pids}, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while not self.done.wait(0.5):
            for pid in self.pids:
                try:
                    with open(f"/proc/{pid}/status") as status:
                        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
                except (OSError, StopIteration):
                    continue
                self.peak[pid] = max(self.peak[pid], kb)

    def stop(self):
        self.done.set()
        self.thread.join()
        return max(self.peak.values()) // 1024 if self.peak else None


def start_server(port):
    env = {**os.environ, "FORUMS_RATE_LIMIT": "1000000/60"}
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "coop.asgi:application", "--host", "127.0.0.1",
                                "--port", str(port), "--log-level", "warning"], cwd=BASE, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            # /healthz: cheap (drf-spectacular's schema view raced when probed under load)
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the server did not start")
            time.sleep(0.3)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the forums run ------------------------------------------------------------------------
async def forums_run(ports, room_id, cookies, senders, rate, duration, connecting=100, join_timeout=300):
    import websockets

    latencies = []
    expected = {}  # seq -> True once the server confirmed the post
    last_receipt = [0.0]

    class Client:
        def __init__(self, index):
            self.index = index
            self.port = ports[index % len(ports)]
            self.seen = set()
            self.last = 0
            self.joined = asyncio.Event()
            self.posted = {}

        async def open(self):
            self.ws = await websockets.connect(
                f"ws://127.0.0.1:{self.port}/ws/forums/", origin=f"http://127.0.0.1:{self.port}",
                additional_headers={"Cookie": f"sessionid={cookies[self.index]}"}, open_timeout=60,
                max_queue=None, ping_interval=None)  # the server pings; this loop is busy enough
            await self.ws.send(json.dumps({"type": "join", "room": room_id, "since": 0}))
            self.reader = asyncio.create_task(self.read())

        async def read(self):
            try:
                await self._read()
            except websockets.ConnectionClosed:
                pass

        async def _read(self):
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "joined":
                    self.last = max(self.last, frame["head"])
                    self.joined.set()
                elif kind == "message":
                    m = frame["message"]
                    if m["seq"] not in self.seen:
                        self.seen.add(m["seq"])
                        last_receipt[0] = now
                        sent = _sent_at(m["body"])
                        if sent is not None and not self.catching_up:
                            latencies.append(now - sent)
                    self.last = max(self.last, m["seq"])
                elif kind == "pong":
                    self.pong.set()
                elif kind == "posted":
                    expected[frame["seq"]] = True
                elif kind == "error":
                    print("error frame:", frame, file=sys.stderr)

        catching_up = False

    def _sent_at(body):
        try:
            return float(body.rsplit("t=", 1)[1])
        except (IndexError, ValueError):
            return None

    # every socket connects and joins at once, at most `connecting` of them in flight (a
    # bounded semaphore): batches that each waited for their slowest socket took 78 s for 500
    # on a loaded machine (docs/benchmarks.md, session 6)
    gate = asyncio.BoundedSemaphore(connecting)

    async def connect_and_join(client):
        async with gate:
            await client.open()
            await client.joined.wait()

    connect_started = time.perf_counter()
    clients = [Client(i) for i in range(len(cookies))]
    await asyncio.wait_for(asyncio.gather(*(connect_and_join(c) for c in clients)), timeout=join_timeout)
    connect_seconds = time.perf_counter() - connect_started
    print(f"{len(clients)} clients joined in {connect_seconds:.1f} s", flush=True)
    head_before = max(c.last for c in clients)

    per_sender_interval = senders / rate

    def poster(client):
        async def post(n):
            await client.ws.send(json.dumps({"type": "post", "room": room_id,
                                             "body": f"bench {client.index}:{n} t={time.perf_counter():.6f}"}))
        return post

    send_started = time.perf_counter()
    sent = sum(await asyncio.gather(*(paced_sends(poster(clients[i]), i * per_sender_interval / senders,
                                                  per_sender_interval, duration) for i in range(senders))))
    send_seconds = time.perf_counter() - send_started
    # let the fan-out drain: stop when nothing arrives for 3 s (or 60 s passed)
    drain_deadline = time.perf_counter() + 60
    previous = -1
    while time.perf_counter() < drain_deadline:
        total = sum(len(c.seen) for c in clients)
        if total == previous:
            break
        previous = total
        await asyncio.sleep(3)
    receive_seconds = last_receipt[0] - send_started  # first send to last receipt
    live = sum(len(c.seen) for c in clients)
    # final catch-up: every client asks for what came after the last number it saw
    open_clients = []
    for c in clients:
        c.catching_up = True
        c.pong = asyncio.Event()
        try:
            await c.ws.send(json.dumps({"type": "catch_up", "room": room_id, "since": c.last}))
            await c.ws.send(json.dumps({"type": "ping"}))  # answered after the catch-up frames
            open_clients.append(c)
        except websockets.ConnectionClosed:
            pass
    try:
        await asyncio.wait_for(asyncio.gather(*(c.pong.wait() for c in open_clients)), timeout=300)
    except TimeoutError:
        print("some clients did not answer the final catch-up in 300 s", flush=True)
    posted = len(expected)
    total = sum(len(c.seen) for c in clients)
    for c in clients:
        c.reader.cancel()
        await c.ws.close()
    want = posted * len(clients)
    return {
        "connect_seconds": round(connect_seconds, 2), "clients_dropped": len(clients) - len(open_clients),
        "sent": sent, "posted": posted, "head_before": head_before,
        "send_seconds": round(send_seconds, 2), "receive_seconds": round(receive_seconds, 2),
        "delivered_live": live, "delivered_total": total, "expected": want,
        "delivered_live_pct": round(100 * live / want, 3) if want else None,
        "delivered_total_pct": round(100 * total / want, 3) if want else None,
        "deliveries_per_second": round(live / receive_seconds, 1),
        "latency_p50_ms": round(1000 * percentile(latencies, 50), 2) if latencies else None,
        "latency_p99_ms": round(1000 * percentile(latencies, 99), 2) if latencies else None,
    }


# --- the baseline: Redis pub/sub directly -----------------------------------------------
async def redis_run(redis_url, clients, senders, rate, duration):
    import redis.asyncio as redis

    channel = f"bench-forums-{time.time_ns()}"
    latencies = []
    counts = [0] * clients
    subscribers = []
    last_receipt = [0.0]

    async def subscribe(index):
        conn = redis.from_url(redis_url)
        pubsub = conn.pubsub()
        await pubsub.subscribe(channel)
        subscribers.append((conn, pubsub))

        async def read():
            async for item in pubsub.listen():
                if item["type"] != "message":
                    continue
                now = time.perf_counter()
                counts[index] += 1
                last_receipt[0] = now
                latencies.append(now - float(item["data"].decode().rsplit("t=", 1)[1]))

        return asyncio.create_task(read())

    readers = []
    for start in range(0, clients, 50):
        readers += await asyncio.gather(*(subscribe(i) for i in range(start, min(start + 50, clients))))
    publisher = redis.from_url(redis_url)
    per_sender_interval = senders / rate

    def publisher_of(index):
        async def publish(n):
            await publisher.publish(channel, f"bench {index}:{n} t={time.perf_counter():.6f}")
        return publish

    started = time.perf_counter()
    sent = sum(await asyncio.gather(*(paced_sends(publisher_of(i), i * per_sender_interval / senders,
                                                  per_sender_interval, duration) for i in range(senders))))
    previous = -1
    while True:
        total = sum(counts)
        if total == previous:
            break
        previous = total
        await asyncio.sleep(2)
    seconds = last_receipt[0] - started  # first send to last receipt
    for task in readers:
        task.cancel()
    for conn, pubsub in subscribers:
        await pubsub.aclose()
        await conn.aclose()
    await publisher.aclose()
    want = sent * clients
    total = sum(counts)
    return {
        "sent": sent, "delivered": total, "expected": want, "delivered_pct": round(100 * total / want, 3),
        "receive_seconds": round(seconds, 2), "deliveries_per_second": round(total / seconds, 1),
        "latency_p50_ms": round(1000 * percentile(latencies, 50), 2),
        "latency_p99_ms": round(1000 * percentile(latencies, 99), 2),
    }


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second, all senders together")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of sending")
    parser.add_argument("--servers", type=int, default=1, help="uvicorn processes (clients spread over them)")
    parser.add_argument("--connecting", type=int, default=100, help="sockets connecting and joining at once")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url or "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("Run on PostgreSQL with the Redis layer: set DATABASE_URL (postgres://...) and REDIS_URL.")
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))

    room_id, cookies = setup_world(args.clients)
    print(f"set up {args.clients} members in room {room_id}", flush=True)
    ports = [free_port() for _ in range(args.servers)]
    servers = [start_server(port) for port in ports]
    memory = PeakMemory([process.pid for process in servers])
    try:
        forums = asyncio.run(forums_run(ports, room_id, cookies, args.senders, args.rate, args.duration,
                                               connecting=args.connecting))
    finally:
        rss_mb = memory.stop()
        for process in servers:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print("forums (uvicorn + channels-redis):", forums, flush=True)
    print(f"largest resident memory of one server process: {rss_mb} MB", flush=True)
    baseline = asyncio.run(redis_run(redis_url, args.clients, args.senders, args.rate, args.duration))
    print("baseline (Redis pub/sub directly):", baseline, flush=True)
    result = {
        "bench": "forums", "clients": args.clients, "senders": args.senders, "rate": args.rate,
        "duration": args.duration, "servers": args.servers, "server_rss_mb": rss_mb,
        "load_average_1m": round(os.getloadavg()[0], 1),
        "deliveries_per_second": forums["deliveries_per_second"],
        "latency_p50_ms": forums["latency_p50_ms"], "latency_p99_ms": forums["latency_p99_ms"],
        "delivered_live_pct": forums["delivered_live_pct"], "delivered_total_pct": forums["delivered_total_pct"],
        "baseline_deliveries_per_second": baseline["deliveries_per_second"],
        "baseline_latency_p50_ms": baseline["latency_p50_ms"], "baseline_latency_p99_ms": baseline["latency_p99_ms"],
        "baseline_delivered_pct": baseline["delivered_pct"],
        "ratio_throughput": round(forums["deliveries_per_second"] / baseline["deliveries_per_second"], 3),
        "ratio_latency_p50": round(forums["latency_p50_ms"] / baseline["latency_p50_ms"], 1)
        if forums["latency_p50_ms"] and baseline["latency_p50_ms"] else None,
        "ratio_latency_p99": round(forums["latency_p99_ms"] / baseline["latency_p99_ms"], 1)
        if forums["latency_p99_ms"] and baseline["latency_p99_ms"] else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
