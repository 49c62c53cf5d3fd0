"""`{% adopted_by version %}`: on the rulebook page, the proposal that adopted a version, with
its tally (one small tag, so the foundation's template needs one line)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from coop.governance.models import Proposal

register = template.Library()


@register.simple_tag
def adopted_by(version):
    if not version.adopted_by_proposal_id:
        return ""
    proposal = Proposal.objects.filter(pk=version.adopted_by_proposal_id).first()
    if proposal is None:
        return ""
    return format_html(
        '<span class="adopted-by">{} <a href="{}">#{} {}</a> ({})</span>', _("adopted by proposal"),
        reverse("governance:proposal", args=[proposal.pk]), proposal.pk, proposal.title,
        _("yes %(y)s, no %(n)s, abstain %(a)s") % {"y": proposal.yes_count, "n": proposal.no_count,
                                                     "a": proposal.abstain_count},
    )
