"""Quality control's writes. `requests` (asking for an aggregation) is light; `perform`
(running one) imports crowd-kit and is imported by the job only."""

from tasks.quality.services.gold import gold_remove, gold_set
from tasks.quality.services.requests import aggregation_on_close, aggregation_request
from tasks.quality.services.review import approve_by_agreement

__all__ = ["aggregation_on_close", "aggregation_request", "approve_by_agreement", "gold_remove", "gold_set"]
