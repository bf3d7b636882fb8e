"""Schemathesis over the OpenAPI document against a running server: no input gets a 5xx.

A small CI profile: a few examples per operation, so the whole run stays well under two
minutes. Logging out is left out (it would end the admin session the run uses)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.web.conftest import Site

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def api_schema(site: Site) -> schemathesis.BaseSchema:
    """The server's own OpenAPI document."""
    document = site.client.get("/api/v1/openapi.json").json()
    return schemathesis.openapi.from_dict(document).exclude(
        path="/api/v1/auth/token", method="DELETE"
    )


def test_no_input_makes_a_server_error(api_schema: schemathesis.BaseSchema, site: Site) -> None:
    # The schemathesis pytest plugin does not run under this pytest; hypothesis drives each
    # operation's strategy directly instead.
    operations = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) > 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(base_url=site.url, headers=site.admin)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.text}"
            if response.status_code >= 400:
                assert response.headers["content-type"] == ["application/problem+json"], where

        check()
