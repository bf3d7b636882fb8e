"""Starting points of the PBX: ``empty`` (enterprise and group only) and ``demo`` (a company)."""

from __future__ import annotations

from cloudcti.sim.model import Pbx, User
from cloudcti.sim.services import BroadWorksMobility, VoiceMessaging

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

COMPANY_NUMBER = "+4989887766"  # Musterfirma GmbH, München: +49 89 887766-<extension>

# (login, first name, last name, extension, mobile)
DEMO_USERS = (
    ("anna.schmidt", "Anna", "Schmidt", "771", "+4915123456771"),
    ("ben.mueller", "Ben", "Müller", "7770", "+4915123457770"),
    ("clara.weber", "Clara", "Weber", "7701", "+4915123457701"),
    ("david.fischer", "David", "Fischer", "7702", "+4915123457702"),
    ("eva.wagner", "Eva", "Wagner", "7703", None),
)
MONITOR_LOGIN = ("cti.monitor", "CTI", "Monitor", "7799")


def build(scenario: str) -> Pbx:
    """A fresh PBX for ``scenario`` (ValueError for unknown names)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    pbx = Pbx(ENTERPRISE_ID, GROUP_ID, DOMAIN)
    if scenario == "demo":
        for login, first, last, extension, mobile in DEMO_USERS:
            user = User(
                user_id=f"{login}@{DOMAIN}",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                number=f"{COMPANY_NUMBER}{extension}",
                extension=extension,
                mobile=mobile,
            )
            user.services.mobility = BroadWorksMobility(active=mobile is not None, mobile=mobile)
            user.services.voice_messaging = VoiceMessaging(no_answer_redirect=True)
            pbx.add_user(user)
        login, first, last, extension = MONITOR_LOGIN
        pbx.add_user(
            User(
                user_id=f"{login}@{DOMAIN}",
                password=MONITOR_PASSWORD,
                first_name=first,
                last_name=last,
                number=f"{COMPANY_NUMBER}{extension}",
                extension=extension,
                monitoring=True,
            )
        )
    return pbx


def describe(pbx: Pbx) -> list[str]:
    """One line per user with login, password and numbers (what ``cloudcti sim`` prints)."""
    lines = []
    for user in pbx.users.values():
        role = "monitoring user" if user.monitoring else f"mobile {user.mobile or '-'}"
        lines.append(
            f"{user.user_id}  password {user.password}  ext {user.extension}  {user.number}  {role}"
        )
    return lines
