"""Aggregation of 100,000 answers (issue 20: under 60 s on this machine).

    .venv/bin/python bench/aggregation.py [--answers 100000] [--overlap 5] [--methods majority_vote,dawid_skene,glad]

Makes a synthetic crowd (seeded): tasks with a true label among four, each answered by
`--overlap` of 500 workers whose accuracy is drawn between 0.35 and 0.95, plus a text field
of three words per answer (ROVER) and a box per answer (IoU). Times `field_aggregate` (the
job's computation, crowd-kit's models) per method, checks each method's accuracy against
the truth, and prints a table and a JSON line last. No database: the job's reads and writes
are one query and bulk inserts of one row per task and field. Wall and CPU seconds are both
printed: on a loaded machine the wall time is the CPU time times the contention."""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

LABELS = ["cat", "dog", "bird", "fish"]
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog"]


def crowd(answers, overlap, seed):
    rng = random.Random(seed)
    workers = [(f"w{i}", rng.uniform(0.35, 0.95)) for i in range(500)]
    tasks = answers // overlap
    truth = {t: rng.choice(LABELS) for t in range(tasks)}
    labels, texts, boxes = [], [], []
    for task in range(tasks):
        sentence = " ".join(rng.choice(WORDS) for _ in range(3))
        for worker, skill in rng.sample(workers, overlap):
            right = rng.random() < skill
            labels.append((task, worker, truth[task] if right else rng.choice([x for x in LABELS if x != truth[task]])))
            texts.append((task, worker, sentence if right else sentence.replace("the", "a")))
            shift = 0 if right else rng.randint(5, 40)
            boxes.append((task, worker, [{"x": 10 + shift, "y": 10, "w": 50, "h": 40, "label": "car"}]))
    return truth, labels, texts, boxes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--overlap", type=int, default=5)
    parser.add_argument("--methods", default="majority_vote,dawid_skene,glad")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    import django

    django.setup()
    from tasks.quality.aggregation import field_aggregate

    truth, labels, texts, boxes = crowd(args.answers, args.overlap, args.seed)
    rows, figures = [], {"answers": len(labels), "tasks": len(truth), "load": round(os.getloadavg()[0], 2)}
    for method in args.methods.split(","):
        started, cpu = time.perf_counter(), time.process_time()
        results, _per_answer = field_aggregate(kind="single_choice", rows=labels, method=method)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        accuracy = sum(results[t].answer == truth[t] for t in truth) / len(truth)
        rows.append((f"choices, {method}", seconds, cpu, accuracy))
        figures[method] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "accuracy": round(accuracy, 4)}
    for name, kind, data in (("texts, ROVER", "text", texts), ("boxes, IoU", "bounding_boxes", boxes)):
        started, cpu = time.perf_counter(), time.process_time()
        field_aggregate(kind=kind, rows=data)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows.append((name, seconds, cpu, None))
        figures[kind] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)}
    print(f"{len(labels):,} answers, {len(truth):,} tasks, overlap {args.overlap}, load {figures['load']}")
    print("| aggregation | seconds (wall) | CPU seconds | accuracy vs truth | goal < 60 s (wall) |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, seconds, cpu, accuracy in rows:
        acc = "" if accuracy is None else f"{accuracy:.3f}"
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {acc} | {'ok' if seconds < 60 else 'MISSED'} |")
    print(json.dumps({"bench": "aggregation", **figures}))


if __name__ == "__main__":
    main()
