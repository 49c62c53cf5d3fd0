"""The only place accounts rows are locked (pk order)."""

from django.db.models import Max

from accounts.models import ApiKey, MemberApiKey, Organisation, OrganisationStaff, StaffInvitation, TermsVersion, User


def organisation_for_update(pk: int):
    return Organisation.objects.select_for_update().get(pk=pk)


def invitation_for_update(pk: int):
    return StaffInvitation.objects.select_for_update().get(pk=pk)


def owners_for_update(organisation_id: int):
    """Every owner row of the organisation, locked in pk order (the last-owner rule)."""
    return list(OrganisationStaff.objects.filter(organisation_id=organisation_id, role=OrganisationStaff.Role.OWNER)
                .order_by("pk").select_for_update())


def api_key_for_update(pk: int):
    return ApiKey.objects.select_for_update().get(pk=pk)


def member_key_for_update(pk: int, *, user_id: int):
    """The person's own member key, locked; None if it is not theirs or does not exist."""
    return MemberApiKey.objects.select_for_update().filter(pk=pk, user_id=user_id).first()


def user_for_update(pk: int):
    return User.objects.select_for_update().get(pk=pk)


def user_by_email_for_update(email: str) -> User | None:
    """The user with this (normalised) email, locked, or None: sign-ups for one address queue here."""
    return User.objects.select_for_update().filter(email=email).first()


def staff_for_update(pk: int) -> OrganisationStaff | None:
    """One staff row (the organisation read with it, not locked), or None."""
    return (OrganisationStaff.objects.select_for_update(of=("self",)).select_related("organisation")
            .filter(pk=pk).first())


def terms_number_latest_for_update() -> int:
    """The latest terms version number (0 when none), with the versions locked: publishing
    queues here so two versions never get one number."""
    return TermsVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0
