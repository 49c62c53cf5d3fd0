"""The rails members are paid on (issue 23, docs/languages-and-money.md): mobile money by
provider, bank transfer, cash pick-up, each with the fields it needs, checked here.

A coop votes which of these it offers (the rulebook's `payout_methods`). A payout request
gives the method's fields (`destination`); they are checked field by field and stored as one
line for the stewards who send the money (`Payout.details`, which erasure replaces):
"MVola · +261 34 12 345 67 · Rakoto Jean".

Phone numbers are checked with `phonenumbers` (Google's libphonenumber metadata): a mobile
number of the method's countries, and for Madagascar's three operators their own prefixes.
IBANs are checked with `python-stdnum` (country format and the ISO 7064 mod 97-10 checksum; for
the countries outside SWIFT's registry, Madagascar among them, the checksum alone).
The two first methods (`mobile_money`, `bank_transfer`) are the generic ones every coop had
before issue 23; a request without `destination` still gives them a free-text `details`."""

import re
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

from coop.core.errors import DomainError
from coop.federation.labels import code_label

# West African countries where Orange Money and Wave run (UEMOA and neighbours).
WEST_AFRICA = ("SN", "CI", "ML", "BF", "GN", "NE", "CM", "GM", "SL", "LR", "BJ", "TG")
# Countries whose banks issue IBANs that SWIFT's IBAN registry (python-stdnum's table) does not
# list: their IBANs are checked by the ISO 7064 mod 97-10 checksum alone.
IBAN_OUTSIDE_REGISTRY = {"MG", "DZ", "AO", "BJ", "BF", "CM", "CV", "CF", "TD", "KM", "CG", "CI", "GQ",
                         "GA", "GW", "IR", "ML", "MA", "MZ", "NE", "SN", "TG"}
MG_PREFIXES = {"mvola": ("34", "38"), "orange_money_mg": ("32", "37"), "airtel_money_mg": ("33",)}
CEDULA_RE = re.compile(r"[VE]-?\d{6,9}", re.IGNORECASE)
BANK_CODE_RE = re.compile(r"0\d{3}")
ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{6,34}")
ID_RE = re.compile(r"[A-Za-z0-9-]{4,30}")


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str  # phone, iban_or_account, bank, text, id, cedula, bank_code
    required: bool = True


HOLDER = Field("holder", gettext_lazy("Name on the account"), "text")
PHONE = Field("phone", gettext_lazy("Phone number"), "phone")


@dataclass(frozen=True)
class Method:
    code: str
    kind: str  # mobile_money, bank, cash
    regions: tuple  # ISO 3166 countries whose numbers it takes; () for any
    fields: tuple


METHODS = {m.code: m for m in [
    Method("mobile_money", "mobile_money", (), (PHONE, HOLDER, Field("provider", gettext_lazy("Provider"), "text"))),
    Method("bank_transfer", "bank", (), (HOLDER, Field("account", gettext_lazy("IBAN or account number"),
                                                        "iban_or_account"),
                                         Field("bank", gettext_lazy("Bank (name or code)"), "text", required=False))),
    Method("mvola", "mobile_money", ("MG",), (PHONE, HOLDER)),
    Method("orange_money_mg", "mobile_money", ("MG",), (PHONE, HOLDER)),
    Method("airtel_money_mg", "mobile_money", ("MG",), (PHONE, HOLDER)),
    Method("mpesa", "mobile_money", ("KE",), (PHONE, HOLDER)),
    Method("opay", "mobile_money", ("NG",), (PHONE, HOLDER)),
    Method("paga", "mobile_money", ("NG",), (PHONE, HOLDER)),
    Method("orange_money_wa", "mobile_money", WEST_AFRICA, (PHONE, HOLDER)),
    Method("wave", "mobile_money", WEST_AFRICA, (PHONE, HOLDER)),
    Method("pago_movil", "mobile_money", ("VE",), (PHONE, Field("cedula", gettext_lazy("Cédula (V or E and digits)"),
                                                                "cedula"),
                                                   Field("bank_code", gettext_lazy("Bank code (4 digits)"),
                                                         "bank_code"))),
    Method("cash_pickup", "cash", (), (HOLDER, Field("id_number", gettext_lazy("ID document number"), "id"),
                                       Field("city", gettext_lazy("Pick-up town or agent"), "text"))),
]}
# every field any method has, in a stable order (the payout form shows them all; the page's
# script shows only the chosen method's)
ALL_FIELDS = list({f.name: f for m in METHODS.values() for f in m.fields}.values())


def _phone(method, value):
    default_region = method.regions[0] if method.regions else None
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        raise ValueError(_("This is not a phone number."))
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("This phone number does not exist; check its digits."))
    if method.regions and region not in method.regions:
        raise ValueError(_("%(method)s takes numbers of %(countries)s only.")
                         % {"method": code_label(method.code), "countries": ", ".join(method.regions)})
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                               phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError(_("Mobile money needs a mobile number."))
    prefixes = MG_PREFIXES.get(method.code)
    if prefixes and not str(number.national_number).startswith(prefixes):
        raise ValueError(_("%(method)s numbers start with 0%(prefixes)s.")
                         % {"method": code_label(method.code), "prefixes": " / 0".join(prefixes)})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _iban_or_account(value):
    compact = re.sub(r"[\s.-]", "", value).upper()
    if len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit():
        try:
            if compact[:2] in IBAN_OUTSIDE_REGISTRY:  # the checksum only: no published format to check
                mod_97_10.validate(compact[4:] + compact[:4])
                return stdnum_iban.format(compact)
            return stdnum_iban.format(stdnum_iban.validate(compact))
        except StdnumError:
            raise ValueError(_("This IBAN is not valid: check its digits (its checksum does not match)."))
    if not ACCOUNT_RE.fullmatch(compact):
        raise ValueError(_("An account number is 6 to 34 letters and digits."))
    return compact


def _check(method, field, value):
    if field.kind == "phone":
        return _phone(method, value)
    if field.kind == "iban_or_account":
        return _iban_or_account(value)
    if field.kind == "cedula":
        if not CEDULA_RE.fullmatch(value.replace(".", "").replace(" ", "")):
            raise ValueError(_("A cédula is V or E followed by 6 to 9 digits, e.g. V-12345678."))
        compact = value.replace(".", "").replace(" ", "").replace("-", "").upper()
        return f"{compact[0]}-{compact[1:]}"
    if field.kind == "bank_code":
        if not BANK_CODE_RE.fullmatch(value):
            raise ValueError(_("A Venezuelan bank code is 4 digits starting with 0, e.g. 0102."))
        return value
    if field.kind == "id":
        if not ID_RE.fullmatch(value.replace(" ", "")):
            raise ValueError(_("An ID number is 4 to 30 letters, digits or dashes."))
        return value.replace(" ", "").upper()
    if len(value) > 80:
        raise ValueError(_("At most 80 characters."))
    return value


def destination_clean(*, method: str, destination: dict) -> str:
    """The payout details of `method` checked field by field; the line stored for the
    stewards. Raises DomainError `invalid_destination` with `extra["fields"]` = {field:
    message} for every field that is wrong or missing."""
    spec = METHODS.get(method)
    if spec is None:
        raise DomainError("invalid_method", _("Choose one of your coop's payout methods."))
    if not isinstance(destination, dict):
        raise DomainError("invalid_destination", _("The payout details must be an object of fields."))
    errors, parts = {}, [str(code_label(method))]
    for field in spec.fields:
        value = destination.get(field.name)
        value = "" if value is None else str(value).strip()
        if "\x00" in value:
            errors[field.name] = _("Null characters are not allowed.")
            continue
        if not value:
            if field.required:
                errors[field.name] = _("This field is required for %(method)s.") % {"method": code_label(method)}
            continue
        try:
            parts.append(_check(spec, field, value))
        except ValueError as exc:
            errors[field.name] = str(exc)
    unknown = sorted(set(destination) - {f.name for f in spec.fields})
    for name in unknown:
        errors[name] = _("%(method)s has no such field.") % {"method": code_label(method)}
    if errors:
        labels = {f.name: str(f.label) for f in ALL_FIELDS}
        raise DomainError("invalid_destination", _("Check the payout details: %(fields)s.")
                          % {"fields": ", ".join(labels.get(name, name) for name in errors)}, {"fields": errors})
    return " · ".join(parts)[:300]
