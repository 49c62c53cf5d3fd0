from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from tasks.appeals.models import Appeal, ProjectFlag

NUL = [ProhibitNullCharactersValidator()]


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Why should the decision be overturned?"), widget=forms.Textarea,
                                max_length=4000, validators=NUL)


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer to the appeal (once)"), widget=forms.Textarea, max_length=4000,
                           validators=NUL)


class VoteForm(forms.Form):
    vote = forms.ChoiceField(label=_("Your vote"), choices=Appeal.Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Your reason (shown to the member and the requester)"), widget=forms.Textarea,
                             max_length=2000, validators=NUL)


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is wrong?"), choices=ProjectFlag.Kind.choices)
    comment = forms.CharField(label=_("Comment (optional)"), widget=forms.Textarea, required=False, max_length=1000,
                              validators=NUL)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)])
    text = forms.CharField(label=_("Your review (10 to 1,000 characters)"), widget=forms.Textarea, max_length=1000,
                           validators=NUL)


class ModerationForm(forms.Form):
    reason = forms.CharField(label=_("Reason (needed to hide)"), required=False, max_length=1000, validators=NUL)
