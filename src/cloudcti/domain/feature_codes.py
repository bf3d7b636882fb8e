"""Feature access codes (PROTOCOL.md §6): the PBX's ``profile/Fac`` list, with defaults.

The PBX operator configures the codes per group or enterprise, so the list read from
``GET profile/Fac`` wins; where a code is not listed, the defaults below (the seed's and
the common BroadWorks ones) apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["DEFAULT_FEATURE_CODES", "FeatureCodeName", "FeatureCodes"]


class FeatureCodeName:
    """BroadWorks ``codeName`` values the domain uses."""

    CFA_ON = "Call Forwarding Always Activation"
    CFA_OFF = "Call Forwarding Always Deactivation"
    CFA_VOICEMAIL_ON = "Call Forwarding Always To Voice Mail Activation"
    CFA_VOICEMAIL_OFF = "Call Forwarding Always To Voice Mail Deactivation"
    CFB_ON = "Call Forwarding Busy Activation"
    CFB_OFF = "Call Forwarding Busy Deactivation"
    CFNA_ON = "Call Forwarding No Answer Activation"
    CFNA_OFF = "Call Forwarding No Answer Deactivation"
    DND_ON = "Do Not Disturb Activation"
    DND_OFF = "Do Not Disturb Deactivation"
    VOICE_PORTAL = "Voice Portal Access"
    CALL_RETRIEVE = "Call Retrieve"


@dataclass(frozen=True, slots=True)
class FeatureCodes:
    """Codes by BroadWorks ``codeName``; each name has its code and any alternate code."""

    codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", MappingProxyType(dict(self.codes)))

    @classmethod
    def from_fac(
        cls,
        entries: Iterable[tuple[str, str, str | None]],
        defaults: FeatureCodes | None = None,
    ) -> FeatureCodes:
        """The PBX's list of ``(codeName, code, alternateCode)``, over ``defaults``."""
        codes = dict((defaults or DEFAULT_FEATURE_CODES).codes)
        for name, code, alternate in entries:
            codes[name] = (code, alternate) if alternate else (code,)
        return cls(codes)

    def of(self, name: str) -> tuple[str, ...]:
        """All codes that trigger ``name`` (empty if unknown)."""
        return self.codes.get(name, ())

    def name_of(self, dialled: str) -> str | None:
        """The feature a dialled code triggers; digits after the code (``*72+49…``) allowed."""
        best: tuple[int, str] | None = None
        for name, codes in self.codes.items():
            for code in codes:
                if dialled.startswith(code) and (best is None or len(code) > best[0]):
                    best = (len(code), name)
        return best[1] if best else None


DEFAULT_FEATURE_CODES = FeatureCodes(
    {
        FeatureCodeName.CFA_ON: ("*72",),
        FeatureCodeName.CFA_OFF: ("*73",),
        FeatureCodeName.CFA_VOICEMAIL_ON: ("*21",),
        FeatureCodeName.CFA_VOICEMAIL_OFF: ("#21",),
        FeatureCodeName.CFB_ON: ("*90",),
        FeatureCodeName.CFB_OFF: ("*91",),
        FeatureCodeName.CFNA_ON: ("*92",),
        FeatureCodeName.CFNA_OFF: ("*93",),
        FeatureCodeName.DND_ON: ("*78",),
        FeatureCodeName.DND_OFF: ("*79",),
        FeatureCodeName.VOICE_PORTAL: ("*62",),
        FeatureCodeName.CALL_RETRIEVE: ("*11",),
    }
)
