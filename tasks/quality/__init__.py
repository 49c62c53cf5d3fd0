"""Quality control of a project's answers (issue 20): overlap aggregated per task with
crowd-kit (majority vote, Dawid-Skene, GLAD; ROVER for texts), IoU agreement for boxes,
per-member agreement with the aggregate. docs/quality.md."""
