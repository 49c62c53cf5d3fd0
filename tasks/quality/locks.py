"""The one place quality rows are locked."""

from tasks.quality.models import AggregationRun


def run_for_update(run_id: int) -> AggregationRun:
    return AggregationRun.objects.select_for_update().get(pk=run_id)
