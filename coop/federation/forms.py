from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from coop.federation.models import Coop


class ApplyForm(forms.Form):
    coop = forms.ModelChoiceField(label=_("Coop"), queryset=Coop.objects.all())
    statement = forms.CharField(label=_("Why do you want to join? (a sentence or two)"), widget=forms.Textarea,
                                max_length=2000, validators=[ProhibitNullCharactersValidator()])
