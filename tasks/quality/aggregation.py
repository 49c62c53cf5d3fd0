"""The computation of an aggregation, apart from the database: answers in, per task the
aggregated answer, its confidence and the agreement, and per member their agreement with the
aggregate. The models are crowd-kit's (the Toloka team's library), not reimplemented here:

- single choice, Likert, comparison, multiple choice (the set as one label), number:
  crowd-kit's MajorityVote, DawidSkene or GLAD; confidence = the model's posterior of the
  chosen label; agreement = the share of answers equal to it.
- text, audio transcription: crowd-kit's ROVER (word alignment); no confidence; agreement =
  the share of answers equal to it (case and spaces ignored).
- bounding boxes: the answer with the highest mean IoU to the others (a medoid); no
  confidence; agreement = that mean IoU.

A member's agreement is the share of their answers equal to the aggregate (for boxes, their
mean IoU with it), over every field and task with at least two answers."""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from crowdkit.aggregation import GLAD, ROVER, DawidSkene, MajorityVote

CATEGORICAL = {"single_choice", "multiple_choice", "likert", "comparison", "number"}
TEXT = {"text", "audio_transcription"}
BOXES = {"bounding_boxes"}
METHODS = ("majority_vote", "dawid_skene", "glad")
GLAD_ROUNDS = 20


class FastGLAD(GLAD):
    """crowd-kit 1.4.2's GLAD, its model and fitting unchanged, with one line of its E-step done
    by pandas' built-in group transforms: the per-task softmax of the label posteriors
    (`groupby("task").transform(self._softmax)` calls a Python function once per task and E-step,
    and was ~85 % of GLAD's time under cProfile on 20,000 answers). Here max, exp and sum run per
    column over all tasks at once; the same softmax, equal to crowd-kit's within rounding
    (tests/quality/test_aggregation.py compares the two)."""

    def _e_step(self, data):
        alpha_beta = data["alpha"] * np.exp(data["beta"])
        log_sigma = -self._softplus(-alpha_beta)
        log_one_minus_sigma = -self._softplus(alpha_beta)
        data["posterior"] = data["delta"] * log_sigma + (1 - data["delta"]) * (
            log_one_minus_sigma - np.log(len(self.prior_labels_) - 1))
        probas = data.groupby(["task", "variable"]).sum(numeric_only=True)["posterior"]
        probas = probas.add(np.log(self.priors_), level=1)
        by_task = probas.groupby(level="task")
        shifted = np.exp(probas - by_task.transform("max"))  # the softmax, vectorised
        probas = shifted / shifted.groupby(level="task").transform("sum")
        probas.name = "posterior"
        data = pd.merge(data.drop("posterior", axis=1), probas, on=["task", "variable"])
        self.probas_ = probas.unstack()
        return data


@dataclass
class Result:
    answer: object
    confidence: float | None
    agreement: float
    answers: int


def _label(value):
    if isinstance(value, list):
        return "|".join(sorted(str(v) for v in value))
    return str(value)


def _categorical(rows, method):
    """rows: [(task, worker, value)] -> {task: Result}, {(task, worker): agreed 0/1}.

    crowd-kit gets whole-number codes for workers and labels, not the values themselves (its
    models index, align and group their frames on these columns at every EM step). The codes keep
    the values' order (workers in order of first answer, as crowd-kit's own `pd.unique` lists
    them; labels sorted, as its probability columns are), so the models fit the same numbers and
    break ties the same way (tests/quality/test_aggregation.py); the results are mapped back. (It
    saved only ~5 % of GLAD's CPU: GLAD's time was its per-task softmax, see `FastGLAD`.)"""
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    original = {}
    for task, _worker, value in rows:
        original.setdefault((task, _label(value)), value)
    frame["label"] = [_label(v) for v in frame["label"]]
    worker_codes, _workers = pd.factorize(frame["worker"])
    label_codes, label_values = pd.factorize(frame["label"], sort=True)
    coded = pd.DataFrame({"task": frame["task"], "worker": worker_codes, "label": label_codes})
    if method == "dawid_skene":
        model = DawidSkene(n_iter=100)
    elif method == "glad":
        # fewer EM rounds and conjugate-gradient steps than crowd-kit's defaults (100, 25): on
        # 100,000 answers that keeps GLAD within the minute (bench/aggregation.py)
        model = FastGLAD(n_iter=GLAD_ROUNDS, tol=1e-4, m_step_max_iter=10, silent=True)
    else:
        model = MajorityVote()
    labels = model.fit_predict(coded).map(lambda code: label_values[code])
    probas = model.probas_.rename(columns=lambda code: label_values[code])
    counts = frame.groupby("task").size().to_dict()
    agreed_count = defaultdict(int)
    per_answer = {}
    chosen = labels.to_dict()
    for task, worker, label in frame.itertuples(index=False):
        hit = int(label == chosen.get(task))
        agreed_count[task] += hit
        per_answer[(task, worker)] = hit
    results = {}
    for task, label in chosen.items():
        confidence = float(probas.at[task, label]) if label in probas.columns else None
        results[task] = Result(original.get((task, label), label), confidence,
                               agreed_count[task] / counts[task], int(counts[task]))
    return results, per_answer


def _norm(text):
    return " ".join(str(text).lower().split())


def _text(rows):
    frame = pd.DataFrame([(t, w, str(v)) for t, w, v in rows], columns=["task", "worker", "text"])
    texts = ROVER(tokenizer=lambda s: s.split(" "), detokenizer=lambda tokens: " ".join(tokens),
                  silent=True).fit_predict(frame).to_dict()
    by_task = defaultdict(list)
    for task, worker, value in rows:
        by_task[task].append((worker, _norm(value)))
    results, per_answer = {}, {}
    for task, answers in by_task.items():
        aggregate = texts.get(task, "")
        hits = [(worker, int(value == _norm(aggregate))) for worker, value in answers]
        per_answer.update({(task, worker): hit for worker, hit in hits})
        results[task] = Result(aggregate, None, sum(h for _w, h in hits) / len(hits), len(hits))
    return results, per_answer


def iou(a, b):
    """Intersection over union of two boxes {x, y, w, h} in pixels."""
    ax2, ay2, bx2, by2 = a["x"] + a["w"], a["y"] + a["h"], b["x"] + b["w"], b["y"] + b["h"]
    w = max(0, min(ax2, bx2) - max(a["x"], b["x"]))
    h = max(0, min(ay2, by2) - max(a["y"], b["y"]))
    inter = w * h
    union = a["w"] * a["h"] + b["w"] * b["h"] - inter
    return inter / union if union > 0 else 0.0


def boxes_agreement(first, second):
    """How much two answers (lists of boxes) agree: each box matched greedily to the best box
    of the same label in the other answer, the IoUs summed over the larger count (an unmatched
    box counts 0). Two empty answers agree fully."""
    if not first and not second:
        return 1.0
    pairs = sorted(((iou(a, b), i, j) for i, a in enumerate(first) for j, b in enumerate(second)
                    if a.get("label") == b.get("label")), reverse=True)
    used_a, used_b, total = set(), set(), 0.0
    for value, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        total += value
    return total / max(len(first), len(second))


def _boxes(rows):
    by_task = defaultdict(list)
    for task, worker, value in rows:
        by_task[task].append((worker, value or []))
    results, per_answer = {}, {}
    for task, answers in by_task.items():
        scores = []
        for i, (_worker, boxes) in enumerate(answers):
            others = [boxes_agreement(boxes, other) for j, (_w, other) in enumerate(answers) if j != i]
            scores.append(sum(others) / len(others) if others else 1.0)
        best = max(range(len(answers)), key=lambda i: (scores[i], -i))
        medoid = answers[best][1]
        for worker, boxes in answers:
            per_answer[(task, worker)] = boxes_agreement(boxes, medoid)
        results[task] = Result(medoid, None, scores[best], len(answers))
    return results, per_answer


def field_aggregate(*, kind, rows, method="majority_vote"):
    """({task: Result}, {(task, worker): agreement in [0, 1]}) for one field's answers, or None
    when the kind is not aggregated (text highlighting)."""
    if not rows:
        return {}, {}
    if kind in CATEGORICAL:
        return _categorical(rows, method if method in METHODS else "majority_vote")
    if kind in TEXT:
        return _text(rows)
    if kind in BOXES:
        return _boxes(rows)
    return None


def member_agreement(per_answer_by_field, answers_per_task):
    """{worker: (answers counted, agreement)} over tasks answered at least twice."""
    sums, counts = defaultdict(float), defaultdict(int)
    for per_answer in per_answer_by_field:
        for (task, worker), value in per_answer.items():
            if answers_per_task.get(task, 0) < 2:
                continue
            sums[worker] += value
            counts[worker] += 1
    return {worker: (counts[worker], sums[worker] / counts[worker]) for worker in counts}
