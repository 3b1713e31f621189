"""Schemathesis against the live OpenAPI schema: no 5xx, and every response matches the schema.

Bounded so it runs in seconds: a few valid and a few invalid generated cases per
operation, no deadline, one app over a fresh registry, with an admin key so every
operation gets past auth.  (The operations are driven with hypothesis directly:
schemathesis' lazy pytest fixture loader does not run under pytest 9.)
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from musigen_agent.http import create_app
from musigen_agent.http.limits import Limits
from musigen_agent.keys import create_key

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 12


def test_every_operation_conforms_to_the_schema(services) -> None:
    token = create_key(services.registry.db, "schemathesis", ["admin"])[0]
    services.compose("a short calm piano piece", {"length": 10})  # something for reads to find
    app = create_app(services, require_keys=True, limits=Limits(rate_per_second=1000, burst=10_000))
    schema = from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        conforms()
