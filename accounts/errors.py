from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden, NotFound


class NotOrganisationStaff(Forbidden):
    code = "not_organisation_staff"
    default_message = _("You are not on the staff of this organisation.")


class OrganisationRoleRequired(Forbidden):
    code = "organisation_role_required"
    default_message = _("Only an owner of this organisation may do this.")


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    default_message = _("No such organisation among yours.")


class OrganisationRequired(DomainError):
    code = "organisation_required"
    default_message = _("You act for several organisations: say which one (organisation id).")


class OrganisationSuspended(Forbidden):
    code = "organisation_suspended"
    default_message = _("This organisation is suspended by the federation.")


class NotOperator(Forbidden):
    code = "not_operator"
    default_message = _("Only the federation operator may do this.")


class TermsNotAccepted(Forbidden):
    code = "terms_not_accepted"
    default_message = _("Accept the federation's current terms of service first.")


class TermsOutdated(Conflict):
    code = "terms_outdated"
    default_message = _("These are not the current terms: read and accept the latest version.")


class InvitationInvalid(NotFound):
    code = "invitation_invalid"
    default_message = _("This invitation link is not valid.")


class InvitationExpired(Conflict):
    code = "invitation_expired"
    default_message = _("This invitation has expired: ask for a new one.")


class InvitationRevoked(Conflict):
    code = "invitation_revoked"
    default_message = _("This invitation was withdrawn.")


class InvitationUsed(Conflict):
    code = "invitation_used"
    default_message = _("This invitation was already accepted.")


class InvitationWrongUser(Forbidden):
    code = "invitation_wrong_user"
    default_message = _("This invitation was sent to another email address: log in with that one.")


class AlreadyStaff(Conflict):
    code = "already_staff"
    default_message = _("This person is already on the staff.")


class LastOwner(Conflict):
    code = "last_owner"
    default_message = _("An organisation keeps at least one owner.")


class ApiKeyRevoked(Conflict):
    code = "api_key_revoked"
    default_message = _("This key is already revoked.")


class ApiKeyScopeMissing(Forbidden):
    """An API key called an endpoint its scopes do not cover (extra: `required`, `scopes`)."""

    code = "api_key_scope_missing"
    default_message = _("This API key does not have the scope this endpoint needs.")


class ApiKeyNotAllowed(Forbidden):
    """An endpoint that acts as a person (a member's wallet, votes, forums, data), never as a key."""

    code = "api_key_not_allowed"
    default_message = _("API keys cannot call this endpoint: log in instead.")


class PasswordConfirmationRequired(Forbidden):
    """An `admin`-scoped key's request without its owner's password (extra: `header`)."""

    code = "password_confirmation_required"
    default_message = _("An admin request with an API key needs the owner's password in the "
                        "X-Atelier-Password header.")


class ErasureBlocked(Conflict):
    code = "erasure_blocked"
    default_message = _("Your data cannot be erased yet.")


class WrongPassword(Forbidden):
    code = "wrong_password"
    default_message = _("This is not your password.")


class AlreadyErased(Conflict):
    code = "already_erased"
    default_message = _("This account was already erased.")
