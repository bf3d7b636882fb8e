"""Dialing parameters ("Wahlparameter"): user input and PBX addresses to E.164 and back.

Every number is kept in E.164; only extensions and special numbers (emergency, service
short numbers, feature codes) stay as dialled. Country rules come from ``phonenumbers``.

The rule for "internal" (DESIGN.md): a dialled string is an extension when it is a known
extension, or when it has at most ``internal_number_length`` digits and is not a special
number. A known extension wins even over a short number of the same digits (the PBX's own
numbering plan is the truth); special numbers are the ones ``phonenumbers`` knows as valid,
not carrier-specific short numbers of the country (in Germany 110, 112, 115, 116xxx,
118xx) plus feature codes starting with ``*`` or ``#``.

The seed's opaque ``Flags=16`` is replaced by the named ``AdvancedSettings``; what they do
is written on each field. ``base_number`` is informational (shown by ``explain``): a line's
E.164 number always comes from the PBX, never from base number + extension.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import phonenumbers

__all__ = [
    "AdvancedSettings",
    "Context",
    "DialFormat",
    "DialingParameters",
    "Directory",
    "Explanation",
    "NumberError",
    "NumberKind",
    "PhoneNumber",
    "Step",
    "derive_internal_length",
    "display",
    "explain",
    "normalise",
    "to_pbx",
]

_SEPARATORS = str.maketrans("", "", " \t-/().[]")


class NumberError(ValueError):
    """The text is not a number the dialing parameters can turn into something diallable."""


class DialFormat(StrEnum):
    """How external numbers are sent to the PBX."""

    E164 = "e164"
    NATIONAL = "national"


class Context(StrEnum):
    """Where a number comes from or goes to (the ``explain`` dialog's choices)."""

    DIAL = "dial"
    INCOMING = "incoming"
    DISPLAY = "display"


class NumberKind(StrEnum):
    """What a normalised number is."""

    E164 = "e164"
    EXTENSION = "extension"
    SPECIAL = "special"


@dataclass(frozen=True, slots=True)
class AdvancedSettings:
    """Named settings in place of the seed's ``Flags=16`` (whose bits are not documented).

    The defaults are what DeutschlandLAN Cloud PBX needs."""

    incoming_numbers_have_outside_prefix: bool = False
    """The PBX prefixes incoming external numbers with the outside-line prefix (classic
    PBXs do; Cloud PBX delivers E.164)."""
    dial_extensions_as_e164: bool = False
    """Send an internal number to the PBX as its E.164 number (when known) instead of the
    bare extension."""
    uri_extension_is_internal: bool = True
    """An address with an ``;ext=`` parameter (``tel:+4989887766771;ext=771``, a BroadWorks
    ``userDN``) is the internal party with that extension."""


@dataclass(frozen=True, slots=True)
class DialingParameters:
    """One set of dialing parameters; ``country_code`` and ``area_code`` without prefixes."""

    country_code: str
    area_code: str = ""
    base_number: str = ""
    internal_number_length: int = 4
    outside_line_prefix: str = ""
    dial_format: DialFormat = DialFormat.E164
    advanced: AdvancedSettings = AdvancedSettings()

    def __post_init__(self) -> None:
        if self.region == "ZZ":
            raise NumberError(f"unknown country code {self.country_code!r}")
        if not 1 <= self.internal_number_length <= 15:
            raise NumberError("internal_number_length must be between 1 and 15")
        for name in ("area_code", "base_number", "outside_line_prefix"):
            value = getattr(self, name)
            if value and not value.isdigit():
                raise NumberError(f"{name} must be digits only, got {value!r}")

    @classmethod
    def cloud_pbx(
        cls,
        *,
        country_code: str = "49",
        area_code: str = "",
        base_number: str = "",
        internal_number_length: int = 4,
    ) -> DialingParameters:
        """The "DeutschlandLAN Cloud PBX" preset: no outside-line prefix, dial in E.164."""
        return cls(
            country_code=country_code,
            area_code=area_code,
            base_number=base_number,
            internal_number_length=internal_number_length,
            outside_line_prefix="",
            dial_format=DialFormat.E164,
            advanced=AdvancedSettings(),
        )

    @property
    def region(self) -> str:
        """The ISO region ``phonenumbers`` uses for this country code (``ZZ`` if unknown)."""
        if not self.country_code.isdigit():
            return "ZZ"
        return phonenumbers.region_code_for_country_code(int(self.country_code))

    @property
    def national_prefix(self) -> str:
        """The country's trunk prefix (``0`` in Germany), from ``phonenumbers``."""
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(self.region)
        return (metadata.national_prefix or "") if metadata else ""

    @property
    def international_prefix(self) -> str:
        """The country's international call prefix (``00`` in Germany), from ``phonenumbers``."""
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(self.region)
        if metadata is None:
            return ""
        prefix = metadata.international_prefix or ""
        return prefix if prefix.isdigit() else (metadata.preferred_international_prefix or "")


@dataclass(frozen=True, slots=True)
class Directory:
    """Known internal extensions of the PBX and their E.164 numbers (``None`` if unknown)."""

    extensions: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", MappingProxyType(dict(self.extensions)))

    def e164_of(self, extension: str) -> str | None:
        """The E.164 number of a known extension."""
        return self.extensions.get(extension)

    def extension_of(self, e164: str) -> str | None:
        """The extension whose E.164 number this is, if it is a known internal line."""
        for extension, number in self.extensions.items():
            if number == e164:
                return extension
        return None

    def __contains__(self, extension: object) -> bool:
        return extension in self.extensions


EMPTY_DIRECTORY = Directory()


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A normalised number: ``value`` is the E.164 number, the extension or the special
    digits; ``e164`` is the E.164 number where known (also for extensions)."""

    kind: NumberKind
    value: str
    e164: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One rule applied by ``explain`` and what the number looked like afterwards."""

    rule: str
    result: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """How a number was treated, step by step (the admin page's test dialog)."""

    input: str
    steps: tuple[Step, ...]
    result: str


def normalise(
    raw: str,
    params: DialingParameters,
    directory: Directory = EMPTY_DIRECTORY,
    *,
    context: Context = Context.DIAL,
) -> PhoneNumber:
    """User input (``dial``) or a PBX address (``incoming``) → E.164, extension or special.

    Raises ``NumberError`` for text that is no number."""
    return _normalise(raw, params, directory, context, [])


def to_pbx(number: PhoneNumber, params: DialingParameters) -> str:
    """What to send to the PBX for a normalised number (its ``address`` parameter)."""
    return _to_pbx(number, params, [])


def display(
    number: PhoneNumber | str,
    params: DialingParameters,
    directory: Directory = EMPTY_DIRECTORY,
) -> str:
    """Text for people (CONTRACT.md §0): an internal party's extension, a number of the
    parameters' country in national format, any other in international format. A string
    is read as a PBX address first; text that is no number is returned unchanged."""
    if isinstance(number, str):
        try:
            parsed = normalise(number, params, directory, context=Context.INCOMING)
        except NumberError:
            return number
        return _display(parsed, params, directory, [])
    return _display(number, params, directory, [])


def derive_internal_length(extensions: Iterable[str]) -> int:
    """The internal number length of a numbering plan: the length of its longest extension
    (the seed's example: 771, 7770, 7701 → 4). Raises ``ValueError`` without extensions."""
    lengths = [len(e) for e in (x.strip() for x in extensions) if e.isdigit()]
    if not lengths:
        raise ValueError("no numeric extensions to derive the internal number length from")
    return max(lengths)


def explain(
    raw: str,
    context: Context,
    params: DialingParameters,
    directory: Directory = EMPTY_DIRECTORY,
) -> Explanation:
    """Each rule applied to ``raw`` in ``context``; the result is what is sent to the PBX
    (``dial``), the normalised number (``incoming``) or the text shown (``display``).
    A number that cannot be read ends with an ``error`` step and an empty result."""
    steps: list[Step] = [
        Step(
            "parameters",
            f"country +{params.country_code}, area code {params.area_code or '-'}, "
            f"base number {params.base_number or '-'}, internal length "
            f"{params.internal_number_length}, outside-line prefix "
            f"{params.outside_line_prefix or '(none)'}, dial format {params.dial_format}",
        )
    ]
    try:
        read_as = Context.DIAL if context is Context.DIAL else Context.INCOMING
        number = _normalise(raw, params, directory, read_as, steps)
        if context is Context.DIAL:
            result = _to_pbx(number, params, steps)
        elif context is Context.DISPLAY:
            result = _display(number, params, directory, steps)
        else:
            result = number.value
    except NumberError as error:
        steps.append(Step("error", str(error)))
        result = ""
    return Explanation(input=raw, steps=tuple(steps), result=result)


# --- the rules ---------------------------------------------------------------------------


def _normalise(
    raw: str,
    params: DialingParameters,
    directory: Directory,
    context: Context,
    steps: list[Step],
) -> PhoneNumber:
    text = raw.strip()
    if not text:
        raise NumberError("empty number")
    text, uri_extension = _strip_uri(text, steps)
    if uri_extension is not None and params.advanced.uri_extension_is_internal:
        try:
            main = _parse_external(text, params, steps) if text.startswith("+") else None
        except NumberError:
            main = None
        e164 = main or directory.e164_of(uri_extension)
        steps.append(Step("address names an extension (;ext=)", uri_extension))
        return PhoneNumber(NumberKind.EXTENSION, uri_extension, e164)

    if text.startswith("+"):
        return _as_e164(_parse_external(text, params, steps), steps)

    digits = text.translate(_SEPARATORS)
    if digits != text:
        steps.append(Step("separators removed", digits))
    if digits[:1] in ("*", "#"):
        if not all(c.isdigit() or c in "*#" for c in digits):
            raise NumberError(f"not a feature code: {raw!r}")
        steps.append(Step("feature code (starts with * or #)", digits))
        return PhoneNumber(NumberKind.SPECIAL, digits)
    if not digits.isdigit():
        raise NumberError(f"not a number: {raw!r}")

    if digits in directory:
        steps.append(Step("known extension", digits))
        return PhoneNumber(NumberKind.EXTENSION, digits, directory.e164_of(digits))
    if _is_special(digits, params):
        steps.append(Step("special number (emergency or service short number)", digits))
        return PhoneNumber(NumberKind.SPECIAL, digits)
    if len(digits) <= params.internal_number_length:
        steps.append(Step(f"internal: at most {params.internal_number_length} digits", digits))
        return PhoneNumber(NumberKind.EXTENSION, digits, directory.e164_of(digits))

    digits = _strip_outside_prefix(digits, params, context, steps)
    national, international = params.national_prefix, params.international_prefix
    starts_national = bool(national) and digits.startswith(national)
    starts_international = bool(international) and digits.startswith(international)
    if params.area_code and not (starts_national or starts_international):
        digits = national + params.area_code + digits
        steps.append(Step(f"local number: area code {params.area_code} added", digits))
    return _as_e164(_parse_external(digits, params, steps), steps)


def _strip_uri(text: str, steps: list[Step]) -> tuple[str, str | None]:
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in ("tel", "sip", "sips"):
        return text, None
    main, *parameters = rest.split(";")
    if scheme.lower() != "tel":
        main = main.split("@", 1)[0]
    extension = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "ext" and value.strip().isdigit():
            extension = value.strip()
    steps.append(Step(f"{scheme.lower()}: address read", main))
    return main, extension


def _strip_outside_prefix(
    digits: str, params: DialingParameters, context: Context, steps: list[Step]
) -> str:
    prefix = params.outside_line_prefix
    applies = context is Context.DIAL or params.advanced.incoming_numbers_have_outside_prefix
    if not (prefix and applies and digits.startswith(prefix)):
        return digits
    rest = digits[len(prefix) :]
    # Only a full national or international number after it proves the prefix was dialled;
    # so prefix + a local number without area code is read as a national number (the
    # price of also accepting numbers typed without the prefix, as people copy them).
    national, international = params.national_prefix, params.international_prefix
    if (national and rest.startswith(national)) or (
        international and rest.startswith(international)
    ):
        steps.append(Step(f"outside-line prefix {prefix} removed", rest))
        return rest
    return digits


def _is_special(digits: str, params: DialingParameters) -> bool:
    try:
        parsed = phonenumbers.parse(digits, params.region)
    except phonenumbers.NumberParseException:
        return False
    region = params.region
    return phonenumbers.is_valid_short_number_for_region(
        parsed, region
    ) and not phonenumbers.is_carrier_specific_for_region(parsed, region)


def _parse_external(text: str, params: DialingParameters, steps: list[Step]) -> str:
    try:
        parsed = phonenumbers.parse(text, params.region)
    except phonenumbers.NumberParseException as error:
        raise NumberError(f"not a phone number: {text!r} ({error})") from error
    if not phonenumbers.is_possible_number(parsed):
        raise NumberError(f"not a possible phone number: {text!r}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    steps.append(Step(f"parsed with the rules of {params.region} (phonenumbers)", e164))
    return e164


def _as_e164(e164: str, steps: list[Step]) -> PhoneNumber:
    steps.append(Step("E.164", e164))
    return PhoneNumber(NumberKind.E164, e164, e164)


def _to_pbx(number: PhoneNumber, params: DialingParameters, steps: list[Step]) -> str:
    if number.kind is NumberKind.SPECIAL:
        steps.append(Step("special number sent as dialled", number.value))
        return number.value
    if number.kind is NumberKind.EXTENSION:
        if params.advanced.dial_extensions_as_e164 and number.e164:
            number = PhoneNumber(NumberKind.E164, number.e164, number.e164)
        else:
            steps.append(Step("extension sent as dialled", number.value))
            return number.value
    if params.dial_format is DialFormat.E164:
        steps.append(Step("dial format E.164", number.value))
        return number.value
    parsed = phonenumbers.parse(number.value)
    dialled = params.outside_line_prefix + "".join(
        c
        for c in phonenumbers.format_out_of_country_calling_number(parsed, params.region)
        if c.isdigit()
    )
    steps.append(Step("dial format national, with the outside-line prefix", dialled))
    return dialled


def _display(
    number: PhoneNumber, params: DialingParameters, directory: Directory, steps: list[Step]
) -> str:
    if number.kind is not NumberKind.E164:
        steps.append(Step(f"{number.kind} shown as is", number.value))
        return number.value
    extension = directory.extension_of(number.value)
    if extension is not None:
        steps.append(Step("internal line: shown as its extension", extension))
        return extension
    parsed = phonenumbers.parse(number.value)
    if str(parsed.country_code) == params.country_code:
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        if _reads_back_as(text, number.value, params, directory):
            steps.append(Step("same country: national format", text))
            return text
        # e.g. +49330000 is "330000" nationally, which would be read as a local number.
        rule = "same country, but the national format is ambiguous: international format"
    else:
        rule = "other country: international format"
    text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    steps.append(Step(rule, text))
    return text


def _reads_back_as(text: str, e164: str, params: DialingParameters, directory: Directory) -> bool:
    try:
        return _normalise(text, params, directory, Context.DIAL, []).e164 == e164
    except NumberError:
        return False
