"""The demo company set up through the services the admin API uses (``cloudcti demo``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudcti.app.core import CloudCti
from cloudcti.app.dialing import DialingParametersSpec
from cloudcti.app.gateways import GatewaySpec, GatewayView
from cloudcti.app.lines import LineView
from cloudcti.app.users import UserSpec

__all__ = ["DemoCompany", "DemoLogin", "DemoSetup", "DemoUser", "set_up_demo"]


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A person of the demo company: their cloudcti login and their PBX user (line)."""

    username: str
    display_name: str
    pbx_user_id: str
    mobile_number: str | None = None
    store_pbx_credentials: bool = True
    """Store the person's own PBX login (``DemoCompany.pbx_password``); ``False`` leaves it
    ``missing`` so the client's first-start prompt (R18) can be seen."""


@dataclass(frozen=True, slots=True)
class DemoCompany:
    """What the demo PBX looks like and which logins cloudcti gets."""

    xsi_urls: tuple[str, ...]
    monitoring_username: str
    monitoring_password: str = field(repr=False)
    area_code: str
    users: tuple[DemoUser, ...]
    admin_username: str = "admin"
    admin_password: str = field(default="Demo-Admin-Passw0rd", repr=False)
    user_password: str = field(default="Demo-Passw0rd", repr=False)
    pbx_password: str | None = field(default=None, repr=False)
    """The people's own Cloud PBX password (their PBX user id is the user name); stored for
    each person with ``store_pbx_credentials`` after the PBX accepted it. ``None``: none."""


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A cloudcti login to print, with the lines it has."""

    username: str
    password: str = field(repr=False)
    role: str
    lines: tuple[LineView, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoSetup:
    """The configured gateway, its lines, and the logins."""

    gateway: GatewayView
    lines: tuple[LineView, ...]
    logins: tuple[DemoLogin, ...]


async def set_up_demo(cti: CloudCti, company: DemoCompany) -> DemoSetup:
    """Dialing parameters (Cloud PBX preset, internal length derived), the gateway with the
    monitoring user, lines imported from the enterprise directory, an admin and one user per
    person with their line. Raises the services' ``AppError`` if a step fails."""
    params = await cti.dialing_parameters.create(
        DialingParametersSpec(name="Musterfirma München (Cloud PBX)", area_code=company.area_code)
    )
    gateway = await cti.gateways.create(
        GatewaySpec(
            name="Musterfirma Cloud PBX",
            xsi_urls=company.xsi_urls,
            dialing_parameters_id=params.id,
            monitoring_username=company.monitoring_username,
            monitoring_password=company.monitoring_password,
        )
    )
    imported = await cti.gateways.import_lines(gateway.id)
    await cti.dialing_parameters.derive_internal_length(params.id)
    by_user = {line.pbx_user_id: line for line in imported.created}
    logins = [DemoLogin(company.admin_username, company.admin_password, "admin")]
    await cti.users.create(
        UserSpec(company.admin_username, "Administrator", company.admin_password, role="admin")
    )
    for person in company.users:
        line = by_user.get(person.pbx_user_id)
        lines = (line,) if line is not None else ()
        user = await cti.users.create(
            UserSpec(
                person.username,
                person.display_name,
                company.user_password,
                mobile_number=person.mobile_number,
                line_ids=tuple(x.id for x in lines),
            )
        )
        if company.pbx_password is not None and person.store_pbx_credentials and lines:
            await cti.pbx_credentials.set(user.id, person.pbx_user_id, company.pbx_password)
        logins.append(DemoLogin(person.username, company.user_password, "user", lines))
    return DemoSetup(await cti.gateways.get(gateway.id), imported.created, tuple(logins))
