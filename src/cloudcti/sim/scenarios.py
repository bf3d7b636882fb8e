"""Starting points of the PBX: ``empty`` (enterprise and group only) and ``demo`` (a company)."""

from __future__ import annotations

from cloudcti.sim.model import Pbx, User

SCENARIOS = ("demo", "empty")
DOMAIN = "deutschland-lan.de"
ENTERPRISE_ID = "0049898877667"
GROUP_ID = "0049898877667_muenchen"

# FACs as profile/Fac lists them (the DT defaults are not published; PROTOCOL.md §6).
FEATURE_ACCESS_CODES = (
    ("Call Forwarding Always Activation", "*72"),
    ("Call Forwarding Always Deactivation", "*73"),
    ("Call Forwarding Always To Voice Mail Activation", "*21"),
    ("Call Forwarding Always To Voice Mail Deactivation", "#21"),
    ("Call Forwarding Busy Activation", "*90"),
    ("Call Forwarding Busy Deactivation", "*91"),
    ("Call Forwarding No Answer Activation", "*92"),
    ("Call Forwarding No Answer Deactivation", "*93"),
    ("Do Not Disturb Activation", "*78"),
    ("Do Not Disturb Deactivation", "*79"),
    ("Voice Portal Access", "*62"),
    ("Call Retrieve", "*11"),
)

# Demo logins, printed by the demo; never real credentials.
DEMO_PASSWORD = "Demo-Passw0rd"  # noqa: S105
MONITOR_PASSWORD = "Monitor-Passw0rd"  # noqa: S105

_DEMO_USERS = (
    ("anna.schmidt", "Anna", "Schmidt", "7770", "+491701234567"),
    ("ben.mueller", "Ben", "Müller", "7771", None),
    ("clara.weber", "Clara", "Weber", "7772", "+491701234568"),
    ("david.fischer", "David", "Fischer", "7773", None),
)


def build(scenario: str) -> Pbx:
    """A fresh PBX for ``scenario`` (ValueError for unknown names)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    pbx = Pbx(ENTERPRISE_ID, GROUP_ID, DOMAIN)
    if scenario == "demo":
        for login, first, last, extension, mobile in _DEMO_USERS:
            pbx.add_user(
                User(
                    user_id=f"{login}@{DOMAIN}",
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    number=f"+49898877667{extension}",
                    extension=extension,
                    mobile=mobile,
                )
            )
        pbx.add_user(
            User(
                user_id=f"cti.monitor@{DOMAIN}",
                password=MONITOR_PASSWORD,
                first_name="CTI",
                last_name="Monitor",
                number="+498988776677799",
                extension="7799",
                monitoring=True,
            )
        )
    return pbx
