"""Dynamic routes: ``"model": "dynamic/<route>"`` on the REST and compat chat routes.

Cloudflare (``ai-gateway/features/routing/dynamic-routing/usage``): a route is used in place of
the model, is scoped to the gateway it was created on, and takes the OpenAI chat completions
shape; on the REST API a route of another gateway "returns a 404 error". The emulator serves the
routes configured with ``Emulator(dynamic_routes=...)`` by the scripted model as
``openai/gpt-5.4-nano`` (so the catalog schema and the GPT-5 rules apply, and the response's
``model`` is nano's dated id); its log shows ``path: "dynamic/<route>"``. An unknown route is
answered like any unknown model: REST 404 / 7003 ``Model not found: dynamic/<route>``, compat
400 / 2008 (the real body for a missing route is unpublished). The provider-native ``/openai``
route passes the name to OpenAI, which does not know it. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ROUTE_PREFIX = "dynamic/"
ROUTE_MODEL = "openai/gpt-5.4-nano"

RouteTable = dict[str, frozenset[str]]


def route_table(
    routes: Mapping[str, Iterable[str]] | Iterable[str], gateways: Iterable[str]
) -> RouteTable:
    """``{"gw": ["a"]}`` scopes routes to a gateway; a plain list serves them on every gateway."""
    if isinstance(routes, Mapping):
        table = {gateway: frozenset(names) for gateway, names in routes.items()}
    else:
        names = frozenset(routes)
        table = {gateway: names for gateway in gateways}
    for gateway, names in table.items():
        for name in names:
            if not isinstance(name, str) or not name or "/" in name:
                raise ValueError(f"bad dynamic route name {name!r} for gateway {gateway!r}")
    return table


def resolve_route(
    body: dict[str, Any], routes: frozenset[str]
) -> tuple[dict[str, Any], str | None]:
    """(the body the model sees, the route name) — unchanged when no configured route matches."""
    model = body.get("model")
    if isinstance(model, str) and model.startswith(ROUTE_PREFIX):
        name = model[len(ROUTE_PREFIX) :]
        if name in routes:
            return {**body, "model": ROUTE_MODEL}, name
    return body, None
