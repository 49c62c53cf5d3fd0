from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from accounts.notices import message_render
from coop.core.money import LOCAL_CURRENCIES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. They log in with their email. `is_staff` is the federation operator only."""

    email = models.EmailField(_("email"), unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # a sandbox persona: the user its owner acts as in their organisation's sandbox (docs/sandbox.md)
    sandbox_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="sandbox_personas")
    # The language the person last used Atelier in (set at sign-up, log-in and with the
    # language switcher): notices to them are written in it, whoever caused them.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.email

    @property
    def display_name(self):
        profile = getattr(self, "profile", None)
        return profile.display_name if profile and profile.display_name else self.email.split("@")[0]


class MemberProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=80)
    country = models.CharField(_("country"), max_length=2, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    email_notices = models.BooleanField(_("also send my notices by email"), default=False)
    # issue 23 (docs/languages-and-money.md): where the page's language has no translation yet,
    # show English or French ("": the language's usual one); and amounts also in a local
    # currency at the operator's rate (display only: the ledger stays in the federation's)
    fallback_language = models.CharField(
        _("where a text is not translated yet, show it in"), max_length=2, blank=True, default="",
        choices=[("", _("the usual language (French for Malagasy, else English)")), ("en", _("English")),
                 ("fr", _("French"))])
    display_currency = models.CharField(
        _("also show amounts in"), max_length=3, blank=True, default="",
        choices=[("", _("no other currency")), *LOCAL_CURRENCIES.items()])

    def __str__(self):
        return self.display_name


class Notice(models.Model):
    """A notice shown on the dashboard (DESIGN.md seam 15: `notify()` is the only writer)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=64)
    # The text in the recipient's language when it was written (emails, and notices stored
    # before `message`); pages show `shown`, built from `message` in the reader's language.
    text = models.TextField()
    message = models.TextField(blank=True)  # the English message (msgid), see accounts/notices.py
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the notice asks someone to handle ("membership:12"); when it is handled, by anyone,
    # `notices_resolve` marks every notice about it resolved (and read).
    subject = models.CharField(max_length=64, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"]),
                   models.Index(fields=["subject"], name="notice_open_subject",
                                condition=models.Q(resolved_at__isnull=True) & ~models.Q(subject=""))]

    def __str__(self):
        return f"{self.kind}: {self.text[:40]}"

    @property
    def shown(self):
        """The notice in the active language (the reader's), whoever caused it."""
        if not self.message:
            return self.text
        return message_render(self.message, self.params)

    @property
    def shown_html(self):
        """`shown` for pages: escaped, with what people wrote marked translate="no"."""
        if not self.message:
            return conditional_escape(self.text)
        return message_render(self.message, self.params, html=True)


class Organisation(models.Model):
    """A requester: a company or lab that contracts with the federation and pays for work.
    Its staff act for it through pages (session) or API keys; it accepts the federation's
    terms (`TermsAcceptance`) and may be suspended by the federation operator."""

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(unique=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.TextField(blank=True)
    # set on an organisation's sandbox twin: the real organisation it plays for (docs/sandbox.md)
    sandbox_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="sandbox")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_suspended(self):
        return self.suspended_at is not None


class OrganisationStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_roles")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_role_per_org_user")]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.role})"


class TermsVersion(models.Model):
    """One published version of the federation's terms of service for requesters (immutable)."""

    number = models.PositiveIntegerField(unique=True)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return f"Terms v{self.number}"


class TermsAcceptance(models.Model):
    """An organisation accepted one terms version: who, when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="terms_acceptances")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "version"], name="terms_accepted_once")]

    def __str__(self):
        return f"{self.organisation} accepted v{self.version.number}"


class StaffInvitation(models.Model):
    """An invitation to join an organisation's staff. The link's token is stored only as a
    keyed hash (`token_hash`); the clear token exists only in the email sent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(max_length=16, choices=OrganisationStaff.Role.choices,
                            default=OrganisationStaff.Role.STAFF)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self):
        return f"{self.email} → {self.organisation} ({self.role})"

    @property
    def status(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ScopedKey:
    """What an organisation's API key and a member's key share: a name, scopes and their labels."""

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    def has_scope(self, scope):
        return scope in (self.scopes or ())

    @property
    def scope_labels(self):
        """The scopes' names in the active language, in canonical order."""
        labels = dict(self.Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes or ()]


class ApiKey(ScopedKey, models.Model):
    """An API key of an organisation. The secret is shown once at creation; only its keyed
    HMAC-SHA256 (`secret_hash`) is stored. `prefix` is the public part that names it.

    `scopes` (chosen at creation, a list of `ApiKey.Scope` values in that order) say which
    endpoints the key may call: each API view declares the one scope it needs
    (`required_scope`, checked by `coop.federation.access.HasKeyScope`). Keys made before
    scopes existed got `DEFAULT_SCOPES` (everything but `admin`). docs/security.md."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        PROJECTS = "projects", _("projects")
        REVIEW = "review", _("review")
        ADMIN = "admin", _("admin")

    SCOPE_HELP = {
        "read": _("read projects, results, money and the organisation"),
        "projects": _("create, fill, publish, pause and cancel projects; qualifications and paid tests"),
        "review": _("approve, reject, return for revision, pay bonuses; answer appeals"),
        "admin": _("manage keys, staff, invitations and terms, each request confirmed with the owner's password"),
    }
    DEFAULT_SCOPES = ("read", "projects", "review")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    # the secret encrypted under the sealing key (accounts.keys.secret_seal), for AWS Signature
    # Version 4 on the MTurk-compatible API; blank for keys made before it (docs/mturk.md)
    secret_sealed = models.TextField(blank=True, default="", editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scopes = models.JSONField(_("scopes"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    @property
    def is_active(self):
        return self.revoked_at is None


class MemberApiKey(ScopedKey, models.Model):
    """A member's own key for the member API (issue 18): a script doing the member's work calls
    `/api/work/…`, the claim and the wallet with `Authorization: Bearer atm_…` instead of a
    session. Made and revoked on the member's keys page; the secret is shown once, only its
    keyed HMAC (`secret_hash`, accounts/keys.py) is stored. `scopes` say what it may do; a key
    reaches only the API views that declare a `member_scope` (coop.federation.access.HasKeyScope)."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        WORK = "work", _("work")

    SCOPE_HELP = {
        "read": _("see my feed, my work and my wallet"),
        "work": _("take tasks, save drafts, submit and give tasks back"),
    }

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="member_keys")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]


class DataExport(models.Model):
    """"Download my data": one member's ZIP (JSON and CSV of every section), built by a job.
    Kept in the database (a member's data is small, and every server can serve it); only the
    latest ready export of a member keeps its file."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    sections_done = models.PositiveSmallIntegerField(default=0)
    sections_total = models.PositiveSmallIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self):
        return f"data export {self.pk} ({self.status})"

    @property
    def progress_pct(self):
        if self.status == self.Status.READY:
            return 100
        return self.sections_done * 100 // self.sections_total if self.sections_total else 0
