"""The appeals' models (tasks/appeals/models.py): an appeal open or decided, a juror's letter in
each language, a brake engaged until lifted, and the constraints the database keeps."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, RequesterReview, juror_label


@pytest.mark.parametrize(("status", "is_open"), [("awaiting_draw", True), ("jury", True), ("upheld", False),
                                                 ("overturned", False)])
def test_an_appeal_is_open_until_decided(status, is_open):
    assert Appeal(status=status).is_open is is_open


def test_a_seat_reads_its_letter_from_either_stored_form():
    for stored in ("B", "Juror B"):
        seat = JurySeat(label=stored)
        assert (seat.letter, seat.api_label) == ("B", "Juror B")
    with translation.override("fr"):
        assert JurySeat(label="Juror C").shown_label == "Juré·e C"
        assert juror_label("A") == "Juré·e A"
        assert JurySeat(label="C").api_label == "Juror C"  # the API speaks English


def test_a_brake_is_engaged_until_lifted():
    assert ProjectBrake().is_engaged
    assert not ProjectBrake(lifted_at=timezone.now()).is_engaged


@pytest.mark.django_db
def test_the_database_keeps_one_seat_per_juror_and_ratings_from_one_to_five(drawn):
    appeal, juror = drawn["appeal"], drawn["jurors"][0]
    seat = JurySeat.objects.get(appeal=appeal, juror=juror)
    with pytest.raises(IntegrityError), transaction.atomic():
        JurySeat.objects.create(appeal=appeal, juror=juror, draw_index=99, label="Z", respond_by=seat.respond_by)
    project = drawn["project"]
    for rating in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            RequesterReview.objects.create(project=project, organisation=project.organisation,
                                           member=drawn["worker"], rating=rating, text="x")
    assert str(appeal) == f"appeal {appeal.pk} (rejection, jury)"
