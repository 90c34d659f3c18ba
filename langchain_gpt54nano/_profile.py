"""Model profiles (langchain-core 1.x `BaseChatModel.profile`), keyed by model id.

The numbers are Cloudflare's catalog entry for `openai/gpt-5.4-nano` (128,000 context,
16,384 output tokens), not OpenAI's own 400k/128k: the gateway enforces its catalog limits.
"""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

from gpt54nano_gateway.catalog import CONTEXT_WINDOW, MAX_OUTPUT_TOKENS
from gpt54nano_gateway.model_rules import GPT54_REASONING_EFFORTS

__all__ = ["get_profile"]

_GPT_5_4_NANO = ModelProfile(
    name="GPT-5.4 nano (Cloudflare Workers AI)",
    max_input_tokens=CONTEXT_WINDOW,
    max_output_tokens=MAX_OUTPUT_TOKENS,
    text_inputs=True,
    image_inputs=True,
    image_url_inputs=True,
    pdf_inputs=True,
    audio_inputs=False,
    video_inputs=False,
    text_outputs=True,
    image_outputs=False,
    audio_outputs=False,
    video_outputs=False,
    tool_calling=True,
    tool_choice=True,
    tool_call_streaming=True,
    structured_output=True,
    reasoning_output=False,
    # The GPT-5.4 family refuses "minimal" (400 unsupported_value).
    reasoning_effort_levels=list(GPT54_REASONING_EFFORTS),
    # Only the default temperature is accepted unless reasoning_effort="none".
    temperature=False,
)

_PROFILES: dict[str, ModelProfile] = {"openai/gpt-5.4-nano": _GPT_5_4_NANO}


def get_profile(model: str) -> ModelProfile | None:
    """A copy of the profile for `model` (an unknown id has none), so callers may edit it."""
    profile = _PROFILES.get(model)
    return ModelProfile(**profile) if profile is not None else None
