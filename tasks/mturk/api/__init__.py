"""The MTurk-compatible endpoint (`endpoint`) and its operations (`hits`, `qualifications`)."""

from tasks.mturk.api.endpoint import OPERATIONS, MturkApi, MturkSignatureAuthentication, model_operations

__all__ = ["OPERATIONS", "MturkApi", "MturkSignatureAuthentication", "model_operations"]
