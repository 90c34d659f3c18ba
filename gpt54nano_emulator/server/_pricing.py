"""What a logged call costs: the emulator's price table and the ``cf-aig-custom-cost`` header.

Prices are OpenAI's published per-token list prices (USD), which Cloudflare's logs estimate
costs from ("The cost metric is an estimation based on the number of tokens sent and received",
``ai-gateway/configuration/custom-costs``):

* ``gpt-5.4-nano``: $0.20 input, $0.02 cached input, $1.25 output per 1M tokens
  (developers.openai.com/api/docs/models/gpt-5.4-nano; the same $0.20 / $1.25 on OpenRouter and
  Vercel's gateway, wire doc [S76]).
* ``gpt-5.4-mini``: $0.75 input, $4.50 output per 1M tokens (same sources); its cached-input
  price ($0.075) is assumed at OpenAI's usual tenth of the input price.

Cloudflare's catalog entry for ``openai/gpt-5.4-nano`` carries no price (tests/data/wire-corpus),
so whether Unified Billing logs exactly these figures is unconfirmed.

``cf-aig-custom-cost`` (wire doc §5.1 [S70][S71]): ``{"per_token_in": n, "per_token_out": n}``
(either may be left out: the missing one keeps the table price, an emulator choice) or
``{"total_cost": n}`` (workers-types ``AIGatewayHeaders``). Values must be finite numbers >= 0.
Cloudflare documents no error for a bad value; like the other ``cf-aig-*`` checks the emulator
refuses it (400 ``AiGatewayError``, emulator-only code 2999, see ``_aig_headers``). Pure.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """USD per token."""

    input: float
    cached_input: float
    output: float


PRICES: dict[str, Price] = {
    "gpt-5.4-nano": Price(0.20 / PER_MILLION, 0.02 / PER_MILLION, 1.25 / PER_MILLION),
    "gpt-5.4-mini": Price(0.75 / PER_MILLION, 0.075 / PER_MILLION, 4.50 / PER_MILLION),
}


@dataclass(frozen=True, slots=True)
class CustomCost:
    """A parsed ``cf-aig-custom-cost`` header."""

    per_token_in: float | None = None
    per_token_out: float | None = None
    total_cost: float | None = None


def price_for(model: str) -> Price | None:
    """The table price of a logged model name (``openai/`` prefix and date suffix ignored)."""
    name = model.removeprefix("openai/")
    for known, price in PRICES.items():
        if name == known or name.startswith(known + "-20"):
            return price
    return None


def cost_of(
    model: str,
    tokens_in: int,
    tokens_out: int,
    *,
    cached_tokens: int = 0,
    custom: CustomCost | None = None,
) -> float:
    """The log's ``cost`` for one call (0 for a model without a price)."""
    if custom is not None and custom.total_cost is not None:
        return custom.total_cost
    price = price_for(model) or Price(0.0, 0.0, 0.0)
    rate_in = price.input
    rate_cached = price.cached_input
    rate_out = price.output
    if custom is not None:
        if custom.per_token_in is not None:
            # A negotiated input price replaces the cached-input price too: the header has no
            # separate cache field (docs list only per_token_in / per_token_out).
            rate_in = rate_cached = custom.per_token_in
        if custom.per_token_out is not None:
            rate_out = custom.per_token_out
    fresh = max(tokens_in - cached_tokens, 0)
    return fresh * rate_in + cached_tokens * rate_cached + tokens_out * rate_out


_PER_TOKEN_KEYS = ("per_token_in", "per_token_out")


def parse_custom_cost(raw: str) -> CustomCost | str:
    """The header's value, or the reason it is refused."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return "not valid JSON"
    if not isinstance(parsed, dict) or not parsed:
        return "expected a JSON object with per_token_in/per_token_out or total_cost"
    unknown = sorted(set(parsed) - {*_PER_TOKEN_KEYS, "total_cost"})
    if unknown:
        allowed = "per_token_in, per_token_out, total_cost"
        return f"unknown field(s) {', '.join(unknown)} (allowed: {allowed})"
    if "total_cost" in parsed and any(key in parsed for key in _PER_TOKEN_KEYS):
        return "total_cost cannot be combined with per_token_in/per_token_out"
    values: dict[str, float] = {}
    for key, value in parsed.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            return f"{key} must be a number"
        if value < 0:
            return f"{key} must be >= 0"
        values[key] = float(value)
    return CustomCost(**values)
