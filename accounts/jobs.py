"""django-q2 entry points of accounts."""

from accounts import services


def data_export_build(export_id):
    """Build a member's "Download my data" ZIP (queued by `data_export_request`)."""
    return services.data_export_build(export_id=export_id)
