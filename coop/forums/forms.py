from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from coop.forums.models import Room


class MessageForm(forms.Form):
    # The length limit is the service's (FORUMS_MAX_MESSAGE_CHARS): its error is shown as is.
    body = forms.CharField(label=_("Message (Markdown)"), widget=forms.Textarea(attrs={"rows": 3}),
                           validators=[ProhibitNullCharactersValidator()])
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, validators=[ProhibitNullCharactersValidator()])


class RoomForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[ProhibitNullCharactersValidator()])
    description = forms.CharField(label=_("What is it for?"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=2000, validators=[ProhibitNullCharactersValidator()])
    audience = forms.ChoiceField(label=_("Who may take part"), choices=Room.Audience.choices,
                                 initial=Room.Audience.MEMBERS)
