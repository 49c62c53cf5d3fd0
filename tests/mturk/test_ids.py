"""tasks/mturk/ids.py: MTurk-shaped identifiers. An AssignmentId names its assignment and
cannot be forged; a WorkerId is the member's pseudonym for the organisation."""

import re

from accounts.pseudonyms import worker_pseudonym
from tasks.mturk.ids import assignment_code, assignment_pk, new_code, pseudonym_of, worker_code


def test_a_new_code_looks_like_an_mturk_id():
    codes = {new_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"3[A-Z0-9]{29}", c) for c in codes)


def test_an_assignment_id_names_its_assignment():
    code = assignment_code(4217)
    assert re.fullmatch(r"4217X[0-9A-F]{24}", code)
    assert assignment_pk(code) == 4217


def test_a_forged_or_altered_assignment_id_names_nothing():
    code = assignment_code(4217)
    other_digest = assignment_code(4218).split("X")[1]
    assert assignment_pk(f"4217X{other_digest}") is None  # another assignment's digest
    assert assignment_pk(code.lower()) is None
    assert assignment_pk(code + "0") is None
    for junk in (None, "", "X", "12", 4217):
        assert assignment_pk(junk) is None


def test_a_worker_id_is_the_pseudonym_with_mturks_leading_a():
    pseudonym = worker_pseudonym(user=7, organisation=3)
    code = worker_code(user=7, organisation=3)
    assert code == "A" + pseudonym and re.fullmatch(r"^A[A-Z0-9]+$", code)
    assert pseudonym_of(code) == pseudonym
    assert worker_code(user=7, organisation=4) != code  # another organisation sees another id


def test_something_else_is_no_pseudonym():
    assert pseudonym_of("AXYZ") == "" and pseudonym_of(None) == "" and pseudonym_of("W123") == ""
