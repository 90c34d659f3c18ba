"""Request checks, in the order the real layers apply them: the model lookup, Cloudflare's
per-model input schema, then the upstream model's own rules (``_openai_rules``, which runs the
temperature rule below among OpenAI's others).

The schema is ``schema.input`` of Cloudflare's catalog entry for ``openai/gpt-5.4-nano``
(cloudflare/cloudflare-docs ``src/content/catalog-models/openai-gpt-5.4-nano.json``, CC-BY-4.0),
vendored verbatim as ``catalog_input_schema.json`` so the emulator works without the shared
corpus. Pure functions: each returns ``None`` or the error to send.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from . import _wire_out

#: Model slugs this emulator serves → the dated upstream id put in ``model`` of the response.
#: REST and compat take the catalog slug, the provider-native ``/openai`` route OpenAI's own
#: name (wire doc §1.0 rows A, E, F). The nano id is captured (§2.1); the mini id is assumed
#: (same release date as nano); mini is validated with nano's schema, a superset of mini's
#: (mini's lacks ``audio``/``modalities``, §6).
CATALOG_MODELS = {
    "openai/gpt-5.4-nano": _wire_out.DATED_MODEL,
    "openai/gpt-5.4-mini": "gpt-5.4-mini-2026-03-17",
}
PROVIDER_MODELS = {slug.removeprefix("openai/"): dated for slug, dated in CATALOG_MODELS.items()}
PROVIDER_MODELS |= {dated: dated for dated in CATALOG_MODELS.values()}


def dated_model(model: str) -> str:
    """The ``model`` of the response for an accepted request model."""
    return CATALOG_MODELS.get(model) or PROVIDER_MODELS.get(model) or _wire_out.DATED_MODEL


class Rejection:
    """An error response decided by a check: status, JSON body."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body

    def __repr__(self) -> str:
        return f"Rejection({self.status}, {self.body!r})"


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    text = resources.files(__package__).joinpath("catalog_input_schema.json").read_text("utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _pointer(path: Any) -> str:
    parts = [str(part) for part in path]
    return "/" + "/".join(parts) if parts else "/"


def user_input_error(detail: str) -> Rejection:
    """400 / 7003 "Model execution failed (User Input Error): …" (wire doc §4.2, row 400 7003:
    per-model schema validation that runs before billing). Gateway-originated, so the
    ``AiGatewayError`` shape (§4.1 (b); U2 says REST most likely uses it too)."""
    message = f"Model execution failed (User Input Error): {detail}"
    return Rejection(400, _wire_out.gateway_error(400, 7003, message))


def check_schema(body: Any) -> Rejection | None:
    """Validate the body against the catalog input schema (Draft 2020-12)."""
    error = best_match(_validator().iter_errors(body))
    if error is None:
        return None
    return user_input_error(f"Invalid value at {_pointer(error.absolute_path)}: {error.message}")


def check_model(model: Any, *, provider_native: bool, compat: bool) -> Rejection | None:
    """Unknown model → the documented not-found body for the route.

    * compat: 400 / 2008 ``Model not found: nosuchvendor/some-model`` (wire doc §4.2, captured
      on the gateway host [S34]).
    * REST ``/ai/v1``: 404 / 7003 ``Model not found: <slug>`` (§4.2, observed on the run path for
      an off-catalog third-party slug [S8][S19]); gateway-originated, so ``AiGatewayError``.
    * provider-native ``/openai``: OpenAI's own 404 ``model_not_found`` (the body is passed
      through unchanged, §2.2 row F).
    """
    if not isinstance(model, str) or not model:
        return user_input_error("Invalid value at /model: a model name (string) is required")
    if provider_native:
        if model in PROVIDER_MODELS:
            return None
        message = f"The model `{model}` does not exist or you do not have access to it."
        body = _wire_out.openai_error(
            message, type_="invalid_request_error", code="model_not_found"
        )
        return Rejection(404, body)
    if model in CATALOG_MODELS:
        return None
    if compat:
        return Rejection(400, _wire_out.gateway_error(400, 2008, f"Model not found: {model}"))
    return Rejection(404, _wire_out.gateway_error(404, 7003, f"Model not found: {model}"))


def check_model_rules(body: dict[str, Any]) -> Rejection | None:
    """What OpenAI itself refuses for GPT-5.x: a non-default temperature unless
    ``reasoning_effort == "none"``; the body is OpenAI's, verbatim (wire doc §4.1 (d), [S49])."""
    model = str(body.get("model", ""))
    temperature = body.get("temperature")
    if "gpt-5" not in model or temperature is None or body.get("reasoning_effort") == "none":
        return None
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        return None  # the schema check already refused it
    if temperature == 1:
        return None
    shown = json.dumps(temperature)
    message = (
        f"Unsupported value: 'temperature' does not support {shown} with this model. "
        "Only the default (1) value is supported."
    )
    body_out = _wire_out.openai_error(
        message, type_="invalid_request_error", param="temperature", code="unsupported_value"
    )
    return Rejection(400, body_out)
