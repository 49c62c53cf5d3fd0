"""The requester's toolkit pages (issue 20): the form builder's live preview, the templates a
project starts from, and each template's sample CSV."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import organisations_of
from coop.core.csv import csv_response
from coop.core.errors import DomainError
from coop.core.guard import json_loads
from coop.federation.selectors import rulebook_in_force
from tasks.questions import KIND_LABELS, form_columns, form_validate, render_fields
from tasks.questions.presets import PRESETS, preset_of, sample_rows

EXAMPLE_FORM = [
    {"name": "label", "type": "single_choice", "label": "What does the picture show?",
     "choices": ["cat", "dog", "neither"], "show": {"image": "image_url"}},
    {"name": "note", "type": "text", "label": "Anything unusual?", "required": False, "max_length": 300},
]
MAX_PREVIEW_BYTES = 200_000


def gold_rate_help(form, coops):
    """The gold rate's help text with each coop's voted bound (docs/quality.md)."""
    bounds = ", ".join(f"{c.name}: {rulebook_in_force(coop=c)['gold_rate_max_pct']}\u00a0%" for c in coops)
    form.fields["gold_rate_pct"].help_text = _(
        "The share of each member's tasks in this project that are gold tasks (mark them on the project's Gold "
        "tasks page), from 0 (gold tasks come in order like the others) to the coop's bound: %(bounds)s."
    ) % {"bounds": bounds}


def form_json(form):
    """The form as the JSON box shows it; the builder writes exactly this layout back."""
    return json.dumps(form, indent=2, ensure_ascii=False)


def project_initial(request):
    """The new-project form's first values: a template's (`?template=`), else the example form."""
    preset = preset_of(request.GET.get("template") or request.POST.get("template") or "")
    if preset is None:
        return {"question_form": form_json(EXAMPLE_FORM)}, None
    return {"question_form": form_json(preset.form), "title": str(preset.title), "category": preset.category,
            "instructions": preset.instructions, "data_flags": list(preset.data_flags)}, preset


def builder_text():
    """The builder's words in the reader's language (static/js/form_builder.js reads them)."""
    return {
        "kinds": {kind: str(label) for kind, label in KIND_LABELS.items()},
        "name": _("Name (for the results)"), "label": _("Question"), "help": _("Help for the member"),
        "required": _("An answer is required"), "choices": _("Choices, one a line"),
        "classes": _("Label classes, one a line"), "min": _("At least"), "max": _("At most"),
        "min_length": _("Fewest characters"), "max_length": _("Most characters"), "integer": _("Whole numbers only"),
        "points": _("Points on the scale"), "low_label": _("Label of the lowest point"),
        "high_label": _("Label of the highest point"), "items": _("The two items are"),
        "left": _("CSV column of item A"), "right": _("CSV column of item B"), "allow_tie": _("They may be equal"),
        "source": _("CSV column of the text"), "audio": _("CSV column of the audio URL"),
        "image": _("CSV column of the image URL"), "show_text": _("Show a text from the CSV column"),
        "show_image": _("Show an image from the CSV column"), "show_audio": _("Play audio from the CSV column"),
        "up": _("Move up"), "down": _("Move down"), "remove": _("Remove"), "add": _("Add a question"),
        "field": _("Question %(n)s"), "preview": _("What a member sees (phone width)"),
        "bad_json": _("The JSON below is not valid; the builder waits until it is."),
        "advanced": _("Advanced: the form as JSON"), "columns": _("Your CSV needs the columns:"),
        "none": _("none"), "item_kinds": {"text": _("texts"), "image": _("pictures"), "audio": _("audio clips")},
    }


def _sample_data(form):
    """Data to preview a form with: an example per text column, a placeholder picture per image
    column (served here: the preview fetches nothing elsewhere), nothing to play for audio."""
    data = {}
    for column, kind in form_columns(form).items():
        if kind == "text":
            data[column] = _("An example text from the column “%(c)s” of your CSV.") % {"c": column}
        elif kind == "image":
            data[column] = static("img/preview.svg")
    return data


@login_required
@require_POST
def form_preview(request):
    """The builder's live preview: the member's view of the form typed so far, or every problem
    with its path in the JSON (the same check saving does). A refused form is an answer like
    any other here (200, `ok: false`): the page shows it while the requester types."""
    if not organisations_of(user=request.user).exists():
        raise Http404
    raw = request.POST.get("question_form", "")
    if len(raw.encode()) > MAX_PREVIEW_BYTES:
        return JsonResponse({"ok": False, "errors": [{"path": "", "field": None, "text": _("The form is too long.")}]})
    try:
        form = form_validate(json_loads(raw))
    except ValueError as exc:
        message = _("This is not valid JSON: %(e)s") % {"e": exc}
        return JsonResponse({"ok": False, "errors": [{"path": "", "field": None, "text": message}]})
    except DomainError as exc:
        return JsonResponse({"ok": False, "errors": exc.extra.get("paths", [])})
    html = render_to_string("tasks/requester/_form_preview.html",
                            {"fields": render_fields(form, _sample_data(form)), "editable": True}, request=request)
    return JsonResponse({"ok": True, "html": html, "columns": list(form_columns(form))})


@login_required
@require_GET
def template_list(request):
    mine = organisations_of(user=request.user)
    if not mine.exists():
        return redirect("accounts:requester_home")
    wanted = request.GET.get("org")
    organisation = (mine.filter(pk=wanted).first() if str(wanted).isdigit() else None) or mine.first()
    presets = [{"preset": p, "columns": p.columns, "kinds": sorted({str(KIND_LABELS[f["type"]]) for f in p.form})}
               for p in PRESETS]
    return render(request, "tasks/requester/template_list.html", {"organisation": organisation, "presets": presets})


@login_required
@require_GET
def template_csv(request, slug):
    """A template's sample CSV: its columns and example rows (anyone on a requester's staff)."""
    preset = preset_of(slug)
    if preset is None or not organisations_of(user=request.user).exists():
        raise Http404
    header, rows = sample_rows(preset)
    return csv_response(f"atelier-{preset.slug}-sample.csv", header, rows)
