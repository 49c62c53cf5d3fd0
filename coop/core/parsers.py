"""DRF's JSON parser with Atelier's input limits.

Kept apart from coop.core.api: that module imports rest_framework.views, whose import reads
DEFAULT_PARSER_CLASSES, which names this class (a module holding both is half-initialised
when DRF looks the parser up, and `manage.py` fails its system checks on a fresh checkout).
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from coop.core.guard import JSONInputError, check_json


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with coop.core.guard's limits: too deep or NUL is a 400 parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply."))
        try:
            return check_json(data)
        except JSONInputError as exc:
            raise exceptions.ParseError(_("JSON parse error - %(e)s") % {"e": exc})
