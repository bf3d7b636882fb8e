"""The admin pages' languages: German (default) and English, from the message catalogs in
``catalogs/`` (one module per language, key → text with ``{name}`` placeholders)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cloudcti.web.admin_ui.catalogs import de, en

__all__ = [
    "CATALOGS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Translate",
    "from_accept_language",
    "translator",
]

DEFAULT_LANGUAGE = "de"
CATALOGS: Mapping[str, Mapping[str, str]] = {"de": de.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGS)

Translate = Callable[..., str]


def translator(language: str) -> Translate:
    """``t(key, **values)``: the text of ``key`` in ``language`` (German when the key or
    the language is missing), with ``{name}`` placeholders filled."""
    catalog = CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])
    fallback = CATALOGS[DEFAULT_LANGUAGE]

    def t(key: str, **values: object) -> str:
        text = catalog.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t


def from_accept_language(header: str | None) -> str:
    """The first of our languages the browser asks for (``Accept-Language`` with q-values);
    German when none matches."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, index, tag.strip().lower().split("-")[0]))
    for _quality, _index, language in sorted(choices):
        if language in CATALOGS:
            return language
    return DEFAULT_LANGUAGE
