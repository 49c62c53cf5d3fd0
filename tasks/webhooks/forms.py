from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.webhooks.models import EVENT_TYPES


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=_("Address (https)"), max_length=500)
    events = forms.MultipleChoiceField(label=_("Events"), choices=EVENT_TYPES, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Description"), max_length=120, required=False)
    balance_low_below = forms.IntegerField(
        label=_("Balance low below (minor units)"), min_value=0, required=False, initial=0,
        help_text=_("For the balance low event: sent when a hold leaves your balance below this amount."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
