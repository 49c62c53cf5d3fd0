"""The cost of publishing, as the draft form and the publish confirmation show it (issue 16,
point 8): the figures come from tasks.selectors.publish_cost, which uses the fee computation
publishing fixes (tasks/fees.py)."""

from django.utils.translation import gettext as _

from coop.core.errors import DomainError
from coop.core.money import parse_amount
from coop.federation.selectors import rulebook_in_force
from tasks import selectors


def positive_int(text, high):
    text = str(text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= high else None


def cost_figures(*, organisation, coop, reward, minutes, per_task, tasks):
    """The cost figures (tasks.selectors.publish_cost) from what the form holds, or None and a
    hint saying what is missing. Typed values are checked here: anything bad is a hint, never an
    error."""
    if coop is None:
        return None, _("Choose the coop to see what publishing will cost.")
    try:
        reward = parse_amount(reward) if not isinstance(reward, int) else reward
    except DomainError:
        reward = None
    minutes, per_task, tasks = (value if isinstance(value, int) else positive_int(value, high)
                                for value, high in ((minutes, 24 * 60), (per_task, 50), (tasks, 100_000)))
    if not reward or not minutes or not per_task or not tasks:
        return None, _("Type the reward, the estimated minutes, the assignments per task and the number of tasks "
                       "to see what publishing will cost.")
    rulebook = rulebook_in_force(coop=coop)
    return selectors.publish_cost(organisation=organisation, rulebook=rulebook, reward=reward,
                                  estimated_minutes=minutes, slots=tasks * per_task), ""


def project_cost_figures(project):
    tasks = project.tasks.count()
    rulebook = rulebook_in_force(coop=project.coop)
    return selectors.publish_cost(organisation=project.organisation, rulebook=rulebook, reward=project.reward,
                                  estimated_minutes=project.estimated_minutes,
                                  slots=tasks * project.assignments_per_task)


PREVIEW_TASKS = 100  # the batch the new-project form prices until the requester types theirs


def form_cost(request, form, *, organisation, coop, project):
    """The cost preview under the draft form, from the figures it holds (typed or saved); the
    page's script refreshes it as they change (project_cost)."""
    tasks = request.POST.get("preview_tasks") or (project.tasks.count() if project else 0) or PREVIEW_TASKS
    values = {name: form[name].value() for name in ("reward", "estimated_minutes", "assignments_per_task")}
    cost, hint = cost_figures(organisation=organisation, coop=coop, reward=values["reward"],
                       minutes=values["estimated_minutes"], per_task=values["assignments_per_task"], tasks=tasks)
    return {"cost": cost, "cost_hint": hint, "preview_tasks": tasks}
