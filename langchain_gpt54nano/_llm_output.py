"""`llm_output` of `generate()` / `agenerate()`: the calls' token usage summed, as ChatOpenAI does.

Core merges the per-call `ChatResult.llm_output`s with `_combine_llm_outputs`, whose default
returns `{}`; callbacks that count tokens or cost per model (LangChain's OpenAI callback, cost
trackers) read `token_usage` and `model_name` there. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["combine_llm_outputs"]


def _add(total: Any, new: Any) -> Any:
    """Sum two usage values; nested details (`prompt_tokens_details`...) are summed per key."""
    if isinstance(new, Mapping):
        base = total if isinstance(total, Mapping) else {}
        return {**base, **{key: _add(base.get(key), value) for key, value in new.items()}}
    if isinstance(new, int | float) and isinstance(total, int | float):
        return total + new
    return new if total is None else total


def combine_llm_outputs(
    outputs: Sequence[Mapping[str, Any] | None], *, model_name: str
) -> dict[str, Any]:
    """``{"token_usage": summed, "model_name": model_name}`` (plus the first
    ``system_fingerprint``). Streamed calls have no llm_output (None) and add nothing."""
    usage: dict[str, Any] = {}
    fingerprint = None
    for output in outputs:
        if output is None:
            continue
        for key, value in (output.get("token_usage") or {}).items():
            if value is not None:
                usage[key] = _add(usage.get(key), value)
        fingerprint = fingerprint or output.get("system_fingerprint")
    combined: dict[str, Any] = {"token_usage": usage, "model_name": model_name}
    if fingerprint:
        combined["system_fingerprint"] = fingerprint
    return combined
