"""`{% load qualifications %}{% project_qualifications project %}`: a project's required
qualifications and how many members meet them, for the marketplace's project pages."""

from django import template

from tasks.qualifications.selectors import project_requirements_context

register = template.Library()


@register.inclusion_tag("qualifications/_project_requirements.html", takes_context=True)
def project_qualifications(context, project, count=True):
    """`count=False` (members' pages) skips counting the members who meet them."""
    return {**project_requirements_context(project=project, count=count), "user": context.get("user"),
            "count": count}
