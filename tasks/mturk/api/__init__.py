"""The MTurk-compatible endpoint (`endpoint`) and its operations (`hits`, `qualifications`)."""

from tasks.mturk.api.endpoint import (
    OPERATIONS,
    MturkApi,
    MturkSandboxApi,
    MturkSignatureAuthentication,
    model_operations,
)

__all__ = ["OPERATIONS", "MturkApi", "MturkSandboxApi", "MturkSignatureAuthentication", "model_operations"]
