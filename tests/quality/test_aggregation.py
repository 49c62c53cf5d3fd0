"""The aggregation's computation, checked against figures worked out by hand: a majority vote
and its vote share, box IoU, ROVER on a plain case, each member's agreement."""

import pytest

from tasks.quality.aggregation import boxes_agreement, field_aggregate, iou, member_agreement

ROWS = [
    (1, "a", "cat"), (1, "b", "cat"), (1, "c", "dog"),
    (2, "a", "dog"), (2, "b", "dog"), (2, "c", "dog"),
    (3, "a", "cat"), (3, "b", "dog"), (3, "c", "dog"),
]


def test_majority_vote_gives_the_majority_its_vote_share_and_the_agreement():
    results, per_answer = field_aggregate(kind="single_choice", rows=ROWS, method="majority_vote")
    assert {task: r.answer for task, r in results.items()} == {1: "cat", 2: "dog", 3: "dog"}
    assert results[1].confidence == pytest.approx(2 / 3) and results[1].agreement == pytest.approx(2 / 3)
    assert results[2].confidence == pytest.approx(1.0) and results[2].answers == 3
    assert per_answer[(1, "c")] == 0 and per_answer[(3, "a")] == 0 and per_answer[(2, "c")] == 1
    agreement = member_agreement([per_answer], {1: 3, 2: 3, 3: 3})
    assert agreement == {"a": (3, pytest.approx(2 / 3)), "b": (3, pytest.approx(1.0)), "c": (3, pytest.approx(2 / 3))}


@pytest.mark.parametrize("method", ["dawid_skene", "glad"])
def test_dawid_skene_and_glad_agree_with_a_clear_majority_and_give_probabilities(method):
    results, _per_answer = field_aggregate(kind="single_choice", rows=ROWS, method=method)
    assert {task: r.answer for task, r in results.items()} == {1: "cat", 2: "dog", 3: "dog"}
    assert all(0.5 < r.confidence <= 1.0 for r in results.values())


def test_dawid_skene_trusts_the_reliable_members_over_a_majority_of_careless_ones():
    # three careful members agree on tasks 1-6; on task 7 they are outvoted by four members who
    # answered "no" to everything: Dawid-Skene learns the four are useless, majority vote does not
    careful, careless = ["a", "b", "c"], ["x", "y", "z", "w"]
    truth = {1: "yes", 2: "no", 3: "yes", 4: "yes", 5: "no", 6: "yes", 7: "yes"}
    rows = [(t, m, truth[t]) for t in truth for m in careful]
    rows += [(t, m, "no") for t in truth for m in careless]
    mv, _ = field_aggregate(kind="single_choice", rows=rows, method="majority_vote")
    ds, _ = field_aggregate(kind="single_choice", rows=rows, method="dawid_skene")
    assert mv[7].answer == "no"
    assert ds[7].answer == "yes"


def test_multiple_choice_is_one_label_and_keeps_its_list():
    rows = [(1, "a", ["x", "y"]), (1, "b", ["y", "x"]), (1, "c", ["x"])]
    results, _ = field_aggregate(kind="multiple_choice", rows=rows)
    assert sorted(results[1].answer) == ["x", "y"] and results[1].agreement == pytest.approx(2 / 3)


def test_iou_and_box_agreement_by_hand():
    a, b = {"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}, {"x": 5, "y": 0, "w": 10, "h": 10, "label": "car"}
    assert iou(a, a) == 1.0 and iou(a, b) == pytest.approx(50 / 150)
    assert boxes_agreement([a], [b]) == pytest.approx(1 / 3)
    assert boxes_agreement([a], [{**b, "label": "person"}]) == 0.0  # another class never matches
    assert boxes_agreement([a, b], [a]) == pytest.approx(0.5)  # one box of two unmatched
    assert boxes_agreement([], []) == 1.0
    results, per_answer = field_aggregate(kind="bounding_boxes", rows=[(1, "m1", [a]), (1, "m2", [a]), (1, "m3", [b])])
    assert results[1].answer == [a] and results[1].agreement == pytest.approx((1 + 1 / 3) / 2)
    assert per_answer[(1, "m3")] == pytest.approx(1 / 3)


def test_rover_combines_transcriptions_word_by_word():
    rows = [(1, "a", "the cat sat"), (1, "b", "the cat sat"), (1, "c", "the dog sat")]
    results, per_answer = field_aggregate(kind="text", rows=rows)
    assert results[1].answer == "the cat sat" and results[1].agreement == pytest.approx(2 / 3)
    assert per_answer[(1, "c")] == 0


def test_text_highlighting_is_not_aggregated():
    assert field_aggregate(kind="highlight", rows=[(1, "a", [])]) is None


@pytest.mark.parametrize("method", ["majority_vote", "dawid_skene", "glad"])
def test_coding_workers_and_labels_changes_no_result(method):
    """The models get whole-number codes for workers and labels (faster): the answers and
    confidences are those crowd-kit gives on the values themselves, within 1e-9."""
    import random

    import pandas as pd
    from crowdkit.aggregation import GLAD, DawidSkene, MajorityVote

    from tasks.quality.aggregation import GLAD_ROUNDS

    rng = random.Random(7)
    labels = ["cat", "dog", "bird"]
    workers = [(f"w{i}", rng.uniform(0.3, 0.95)) for i in range(30)]
    truth = {t: rng.choice(labels) for t in range(200)}
    rows = [(t, w, truth[t] if rng.random() < skill else rng.choice(labels))
            for t in truth for w, skill in rng.sample(workers, 4)]
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    model = {"majority_vote": MajorityVote(), "dawid_skene": DawidSkene(n_iter=100),
             "glad": GLAD(n_iter=GLAD_ROUNDS, tol=1e-4, m_step_max_iter=10, silent=True)}[method]
    expected = model.fit_predict(frame)
    results, _per_answer = field_aggregate(kind="single_choice", rows=rows, method=method)
    assert {t: r.answer for t, r in results.items()} == expected.to_dict()
    for task, result in results.items():
        assert result.confidence == pytest.approx(model.probas_.at[task, expected[task]], abs=1e-9)
