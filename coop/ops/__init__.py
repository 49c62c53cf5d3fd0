"""Operations: health checks, metrics, request ids and structured logs (docs/operations.md).

Nothing here is a domain rule; every app may count into `coop.ops.metrics`, and nothing in
`coop.ops` imports an app above `coop.core` except the read-only checks of `coop.ops.health`
at call time."""
