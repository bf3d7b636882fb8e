"""Dialing parameters: the seed's numbering plan, C4B's number formats, special numbers."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cloudcti.domain.numbers import (
    AdvancedSettings,
    Context,
    DialFormat,
    DialingParameters,
    Directory,
    NumberError,
    NumberKind,
    PhoneNumber,
    derive_internal_length,
    display,
    explain,
    normalise,
    to_pbx,
)

# The seed's example: +49 (89) 887766-xxx(x) with extensions 771, 7770, 7701.
PLAN = DialingParameters.cloud_pbx(area_code="89", base_number="887766")
DIRECTORY = Directory(
    {"771": "+4989887766771", "7770": "+49898877667770", "7701": "+49898877667701"}
)
CLASSIC = DialingParameters(
    country_code="49",
    area_code="89",
    base_number="887766",
    internal_number_length=4,
    outside_line_prefix="0",
    dial_format=DialFormat.NATIONAL,
)


def test_internal_length_follows_the_longest_extension() -> None:
    assert derive_internal_length(["771", "7770", "7701"]) == 4
    assert derive_internal_length([" 12 ", "*86", "123456"]) == 6
    with pytest.raises(ValueError, match="no numeric extensions"):
        derive_internal_length(["", "*86"])


def test_cloud_pbx_preset_has_no_outside_prefix_and_dials_e164() -> None:
    assert PLAN.outside_line_prefix == ""
    assert PLAN.dial_format is DialFormat.E164
    assert PLAN.advanced == AdvancedSettings()
    assert PLAN.region == "DE"


@pytest.mark.parametrize(
    ("raw", "kind", "value", "e164"),
    [
        # PBX addresses
        ("tel:+4989887766771;ext=771", NumberKind.EXTENSION, "771", "+4989887766771"),
        ("tel:771", NumberKind.EXTENSION, "771", "+4989887766771"),
        ("tel:+493022334455", NumberKind.E164, "+493022334455", "+493022334455"),
        ("sip:+493022334455@as.example.net;user=phone", NumberKind.E164, "+493022334455", None),
        # the seed's numbering plan
        ("771", NumberKind.EXTENSION, "771", "+4989887766771"),
        ("7770", NumberKind.EXTENSION, "7770", "+49898877667770"),
        ("7702", NumberKind.EXTENSION, "7702", None),
        ("+49 (89) 887766-7770", NumberKind.E164, "+49898877667770", "+49898877667770"),
        # C4B's documented formats
        ("+49(89)123456-78", NumberKind.E164, "+498912345678", None),
        ("0049-89-123456-78", NumberKind.E164, "+498912345678", None),
        ("+49(0)89 123456-78", NumberKind.E164, "+498912345678", None),
        ("089/12345678", NumberKind.E164, "+498912345678", None),
        ("0301234567", NumberKind.E164, "+49301234567", None),
        ("0044 20 7946 0958", NumberKind.E164, "+442079460958", None),
        # a local number gets the area code
        ("887799", NumberKind.E164, "+4989887799", None),
        # emergency, service short numbers and feature codes are sent as dialled
        ("110", NumberKind.SPECIAL, "110", None),
        ("112", NumberKind.SPECIAL, "112", None),
        ("115", NumberKind.SPECIAL, "115", None),
        ("116116", NumberKind.SPECIAL, "116116", None),
        ("116 117", NumberKind.SPECIAL, "116117", None),
        ("11833", NumberKind.SPECIAL, "11833", None),
        ("*86", NumberKind.SPECIAL, "*86", None),
        ("#21", NumberKind.SPECIAL, "#21", None),
        ("*72*01511234567#", NumberKind.SPECIAL, "*72*01511234567#", None),
    ],
)
def test_normalise(raw: str, kind: NumberKind, value: str, e164: str | None) -> None:
    number = normalise(raw, PLAN, DIRECTORY)
    assert (number.kind, number.value) == (kind, value)
    if e164 is not None or kind is not NumberKind.E164:
        assert number.e164 == e164


def test_a_known_extension_wins_over_a_short_number() -> None:
    directory = Directory({"115": "+4989887766115"})
    assert normalise("115", PLAN, directory).kind is NumberKind.EXTENSION
    assert normalise("115", PLAN).kind is NumberKind.SPECIAL


def test_short_numbers_that_are_carrier_specific_stay_extensions() -> None:
    # phonenumbers knows 3333 as a carrier-specific short number in Germany.
    assert normalise("3333", PLAN).kind is NumberKind.EXTENSION


@pytest.mark.parametrize("raw", ["", "   ", "hello", "sip:alice@example.net", "*8a", "+49"])
def test_text_that_is_no_number_is_refused(raw: str) -> None:
    with pytest.raises(NumberError):
        normalise(raw, PLAN, DIRECTORY)


@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        ("00301234567", "00301234567"),  # with the outside-line prefix
        ("0301234567", "00301234567"),  # without: still national
        ("000442079460958", "000442079460958"),
        ("771", "771"),
        ("112", "112"),
        ("*86", "*86"),
        # Documented limit: prefix + a local number reads as the national number 0887799.
        ("0887799", "00887799"),
    ],
)
def test_classic_pbx_with_outside_prefix_and_national_dialing(raw: str, sent: str) -> None:
    assert to_pbx(normalise(raw, CLASSIC, DIRECTORY), CLASSIC) == sent


def test_incoming_numbers_lose_the_outside_prefix_only_where_configured() -> None:
    with_prefix = DialingParameters(
        country_code="49",
        area_code="89",
        outside_line_prefix="0",
        advanced=AdvancedSettings(incoming_numbers_have_outside_prefix=True),
    )
    assert normalise("00301234567", with_prefix, context=Context.INCOMING).value == ("+49301234567")
    # Cloud PBX: a leading 0 is the national prefix, not an outside-line prefix.
    assert normalise("0301234567", PLAN, context=Context.INCOMING).value == "+49301234567"


def test_extensions_can_be_dialled_as_e164() -> None:
    params = DialingParameters(
        country_code="49", advanced=AdvancedSettings(dial_extensions_as_e164=True)
    )
    assert to_pbx(normalise("771", params, DIRECTORY), params) == "+4989887766771"
    assert to_pbx(normalise("7702", params, DIRECTORY), params) == "7702"


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+49898877667770", "7770"),
        ("+493022334455", "030 22334455"),
        ("+4915112345678", "01511 2345678"),
        ("+442079460958", "+44 20 7946 0958"),
        ("tel:+4989887766771;ext=771", "771"),
        ("tel:*86", "*86"),
        ("anonymous", "anonymous"),
    ],
)
def test_display(number: str, shown: str) -> None:
    assert display(number, PLAN, DIRECTORY) == shown


def test_explain_lists_every_step_for_each_context() -> None:
    dial = explain("0 089/1234-5678", Context.DIAL, CLASSIC, DIRECTORY)
    assert dial.result == "008912345678"
    assert [s.rule for s in dial.steps][-2:] == [
        "E.164",
        "dial format national, with the outside-line prefix",
    ]
    incoming = explain("tel:+4989887766771;ext=771", Context.INCOMING, PLAN, DIRECTORY)
    assert incoming.result == "771"
    assert any("ext=" in s.rule for s in incoming.steps)
    shown = explain("+493022334455", Context.DISPLAY, PLAN, DIRECTORY)
    assert shown.result == "030 22334455"
    assert shown.steps[-1].rule == "same country: national format"
    broken = explain("hello", Context.DIAL, PLAN)
    assert broken.result == ""
    assert broken.steps[-1].rule == "error"


def test_invalid_parameters_are_refused() -> None:
    with pytest.raises(NumberError, match="country code"):
        DialingParameters(country_code="999")
    with pytest.raises(NumberError, match="outside_line_prefix"):
        DialingParameters(country_code="49", outside_line_prefix="0a")


@st.composite
def german_e164(draw: st.DrawFn) -> str:
    national = draw(st.from_regex(r"[1-9][0-9]{5,11}", fullmatch=True))
    number = "+49" + national
    assume(phonenumbers.is_valid_number(phonenumbers.parse(number)))
    return number


@given(german_e164())
def test_german_e164_display_parse_is_identity(number: str) -> None:
    shown = display(PhoneNumber(NumberKind.E164, number, number), PLAN, DIRECTORY)
    parsed = normalise(shown, PLAN, DIRECTORY)
    assert parsed.e164 == number


@given(german_e164())
def test_pbx_addresses_of_german_numbers_normalise_to_themselves(number: str) -> None:
    assert normalise(f"tel:{number}", PLAN, context=Context.INCOMING).value == number
