"""The use cases of appeals, one module per concern (docs/appeals.md):

- `filing`: a member appeals a rejection, a revocation or a sanction; the requester answers;
- `draw`: the reproducible jury draw, and replacing jurors who declined or lapsed;
- `jury`: jurors accept, decline and vote;
- `decision`: what a jury's decision does, and juror pay;
- `brake`: the mass-rejection brake and the stewards' review of frozen rejections;
- `flags`: members flag projects; stewards resolve the flags;
- `reviews`: members' reviews of requesters, moderated by stewards.

Each public service is atomic and records its event. Scorecards are refreshed by
`tasks.appeals.scorecards.scorecard_refresh` (a job), personal data erased by
`tasks.appeals.datarights`. The reads they share (the draw's
candidates, the checkpoint that seals an appeal) are in `tasks.appeals.selectors`."""

from tasks.appeals.services.brake import brake_check, brake_lift, frozen_confirm, frozen_void
from tasks.appeals.services.decision import jurors_pay_one
from tasks.appeals.services.draw import appeal_draw, seats_lapse_and_replace
from tasks.appeals.services.filing import appeal_answer, appeal_file
from tasks.appeals.services.flags import flags_resolve, project_flag
from tasks.appeals.services.jury import seat_accept, seat_decline, seat_vote
from tasks.appeals.services.reviews import review_moderate, review_post

__all__ = [
    "appeal_answer", "appeal_draw", "appeal_file", "brake_check", "brake_lift", "flags_resolve", "frozen_confirm",
    "frozen_void", "jurors_pay_one", "project_flag", "review_moderate", "review_post", "seat_accept", "seat_decline",
    "seat_vote", "seats_lapse_and_replace",
]
