"""The admin pages' catalogs: German and English have the same keys and placeholders, and
every key a template or page module names exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from cloudcti.web.admin_ui import i18n
from cloudcti.web.admin_ui.catalogs import de, en

PACKAGE = Path(i18n.__file__).parent
_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[A-Za-z_0-9]+)+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(de.MESSAGES) == set(en.MESSAGES)
    for key, text in de.MESSAGES.items():
        assert _placeholders(text) == _placeholders(en.MESSAGES[key]), key
        assert text.strip(), key
        assert en.MESSAGES[key].strip(), key


def test_every_key_named_in_templates_and_pages_exists() -> None:
    sources = [*PACKAGE.glob("templates/*.html"), *PACKAGE.glob("*.py")]
    named = {key for path in sources for key in _KEY.findall(path.read_text())}
    assert len(named) > 100  # the pattern found the calls
    missing = sorted(key for key in named if key not in de.MESSAGES and not key.endswith("."))
    assert missing == []


def test_templates_hold_no_german_or_english_prose() -> None:
    """Text reaches the pages only through the catalogs: between tags a template holds
    expressions, not words (product names and parameter names excepted)."""
    allowed = {"DeutschlandLAN Cloud PBX", "Deutsch", "English", "BSVoiceMailNumber"}
    allowed |= {"Telephony.VoiceMailNumber", "Telephony.OverrideVoiceMailNumber"}
    for path in PACKAGE.glob("templates/*.html"):
        html = re.sub(r"\{[{%#].*?[}%#]\}", " ", path.read_text(), flags=re.S)
        for text in re.findall(r">([^<]+)<", html):
            words = " ".join(text.split()).strip(" ():–-,\"'")
            assert not words or words in allowed or not re.search(r"[A-Za-zÄÖÜäöüß]{3}", words), (
                f"{path.name}: {words!r}"
            )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "de"),
        ("", "de"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, de;q=0.8", "de"),
        ("fr", "de"),
        ("EN", "en"),
        ("de;q=0.1, en;q=0.2", "en"),
        ("en;q=bad, de", "de"),
    ],
)
def test_the_browser_language_picks_the_catalog(header: str | None, expected: str) -> None:
    assert i18n.from_accept_language(header) == expected


def test_a_missing_text_falls_back_to_german_then_to_the_key() -> None:
    assert i18n.translator("fr")("save") == "Speichern"
    assert i18n.translator("en")("save") == "Save"
    assert i18n.translator("en")("no.such.key") == "no.such.key"
    assert i18n.translator("en")("flash.imported", n_created=5, n_skipped=1) == (
        "5 lines imported, 1 skipped."
    )


def test_every_template_and_asset_is_declared_as_package_data() -> None:
    """A normal install (not only ``pip install -e``) carries the pages' files."""
    import fnmatch
    import tomllib

    root = PACKAGE.parents[1]  # src/cloudcti
    pyproject = tomllib.loads((root.parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["cloudcti"]
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert files
    for path in files:
        relative = path.relative_to(root).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative


def test_the_services_field_messages_are_translated() -> None:
    from cloudcti.web.admin_ui.base import field_error_text

    de_t, en_t = i18n.translator("de"), i18n.translator("en")
    assert field_error_text(de_t, "must not be empty") == "Darf nicht leer sein."
    assert field_error_text(en_t, "must not be empty") == "Must not be empty."
    assert field_error_text(de_t, "no user 42") == "no user 42"  # unknown: as worded
