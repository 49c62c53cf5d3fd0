from coop.eventlog.models import Event


def events_for_subject(*, subject_type, subject_id):
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("id")
