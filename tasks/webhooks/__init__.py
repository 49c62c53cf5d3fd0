"""The requester's webhooks (issue 20): subscriptions per organisation, signed deliveries
in the Standard Webhooks style, retried with backoff for 24 hours, and an attempt log the
requester sees and replays. docs/requester-toolkit.md."""
