"""The only place accounts rows are locked (pk order)."""

from accounts.models import ApiKey, Organisation, OrganisationStaff, StaffInvitation, User


def organisation_for_update(pk):
    return Organisation.objects.select_for_update().get(pk=pk)


def invitation_for_update(pk):
    return StaffInvitation.objects.select_for_update().get(pk=pk)


def owners_for_update(organisation_id):
    """Every owner row of the organisation, locked in pk order (the last-owner rule)."""
    return list(OrganisationStaff.objects.filter(organisation_id=organisation_id, role=OrganisationStaff.Role.OWNER)
                .order_by("pk").select_for_update())


def api_key_for_update(pk):
    return ApiKey.objects.select_for_update().get(pk=pk)


def user_for_update(pk):
    return User.objects.select_for_update().get(pk=pk)
