"""What the MTurk services share: reading MTurk's Keywords, choosing the coop, and turning a
marketplace refusal into the SDK's RequestError."""

import json
import re

from coop.core.errors import DomainError
from coop.federation.models import Coop
from tasks.models import Project
from tasks.mturk.models import RequesterDefaults
from tasks.mturk.protocol import MturkError

KEYWORD_RE = re.compile(r"^(coop|estimate):(.+)$")


def _keywords(raw):
    """(plain keywords, {"coop": slug, "estimate": minutes}) from MTurk's comma-separated Keywords."""
    plain, options = [], {}
    for word in str(raw or "").split(","):
        word = word.strip()
        match = KEYWORD_RE.match(word.lower())
        if match:
            options[match[1]] = match[2].strip()
        elif word:
            plain.append(word)
    return plain, options


def _coop(organisation, options):
    slug = options.get("coop")
    if organisation.sandbox_of_id is not None:  # a sandbox organisation works in its sandbox coop only
        coop = Coop.objects.filter(sandbox_of=organisation.sandbox_of_id).first()
        if coop is None or (slug and slug != coop.slug):
            raise MturkError("In the sandbox, HITs go to your organisation's sandbox coop (docs/sandbox.md).")
        return coop
    if slug:
        coop = Coop.objects.filter(slug=slug, sandbox_of__isnull=True).first()
        if coop is None:
            raise MturkError(f"No coop is called '{slug}' (the keyword coop:<short name> names one).")
        return coop
    defaults = RequesterDefaults.objects.filter(organisation=organisation).select_related("coop").first()
    if defaults and defaults.coop:
        return defaults.coop
    last = Project.objects.filter(organisation=organisation).order_by("-pk").select_related("coop").first()
    if last:
        return last.coop
    coops = list(Coop.objects.filter(sandbox_of__isnull=True)[:2])
    if len(coops) == 1:
        return coops[0]
    raise MturkError("Say which coop does the work: add the keyword coop:<short name> to Keywords, or set the "
                     "organisation's default coop (docs/mturk.md).")


def _domain_message(exc):
    message = str(exc.message)
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    details = extra.get("fields") or extra.get("errors") or extra.get("reasons")
    if details:
        message += " " + json.dumps(details, ensure_ascii=False, default=str)
    return message


def _call(fn, **kwargs):
    """Run a marketplace service; its DomainError becomes the SDK's RequestError."""
    try:
        return fn(**kwargs)
    except DomainError as exc:
        raise MturkError(_domain_message(exc), f"Atelier.{exc.code}")
