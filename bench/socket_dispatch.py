"""What one channel-layer message costs a process per socket, in the consumer's dispatch:
Channels' own (`AsyncWebsocketConsumer.dispatch`, a hop to the database thread per message)
against Atelier's (`coop.core.sockets.Consumer`), in one process, CPU and wall time per
delivery (issue 18, the forums' fan-out; docs/benchmarks.md).

    .venv/bin/python bench/socket_dispatch.py [--sockets 500 --messages 20]

Each of --sockets consumers gets --messages `forum.change` messages, all sockets at once per
message as a group send delivers them; the handler does what a delivery does besides the
socket write (a dict lookup and a counter). No database or Redis is needed."""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")


async def deliveries(base, sockets, messages):
    class Probe(base):
        count = 0

        async def forum_change(self, event):
            Probe.count += 1

    consumers = [Probe() for _ in range(sockets)]
    wall, cpu = time.perf_counter(), time.process_time()
    for seq in range(messages):
        await asyncio.gather(*(c.dispatch({"type": "forum.change", "seq": seq}) for c in consumers))
    n = Probe.count
    return {"deliveries": n, "cpu_us_each": round((time.process_time() - cpu) * 1e6 / n, 1),
            "wall_us_each": round((time.perf_counter() - wall) * 1e6 / n, 1)}


def main():
    import django

    django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer

    from coop.core.sockets import Consumer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    result = {"sockets": args.sockets, "messages": args.messages, "load_average_1m": round(os.getloadavg()[0], 1)}
    for name, base in (("channels_dispatch", AsyncWebsocketConsumer), ("atelier_dispatch", Consumer)):
        result[name] = asyncio.run(deliveries(base, args.sockets, args.messages))
        print(name, result[name], flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
