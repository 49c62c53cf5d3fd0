"""django-q2 entry point of quality control: one aggregation run."""

from tasks.quality.services.perform import aggregation_perform


def aggregation_run(run_id):
    return aggregation_perform(run_id=run_id).status
