"""ChatOpenAI parity for production code paths: generate()'s llm_output, response_format on
bind_tools/invoke, with_structured_output forms, histories from other providers. Against the
emulator, sync and async."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from langchain_gpt54nano import ChatGPT54Nano
from langchain_gpt54nano._llm_output import combine_llm_outputs

RunIO = Any


def _chat_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


# --- generate(): llm_output ------------------------------------------------------------------


def test_generate_reports_summed_token_usage_and_model_name(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    prompts = [[HumanMessage("Hello")], [HumanMessage("Hi there, how are you today?")]]
    result = run_io(lambda: llm.generate(prompts), lambda: llm.agenerate(prompts))
    usages = [generation[0].message.usage_metadata for generation in result.generations]
    assert result.llm_output == {
        "model_name": "openai/gpt-5.4-nano",
        "token_usage": {
            "prompt_tokens": sum(u["input_tokens"] for u in usages),
            "completion_tokens": sum(u["output_tokens"] for u in usages),
            "total_tokens": sum(u["total_tokens"] for u in usages),
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }
    assert len(_chat_requests(emulator)) == 2
    assert all(u["input_tokens"] > 0 for u in usages)


def test_combine_llm_outputs_sums_nested_usage_and_skips_streamed_calls() -> None:
    outputs = [
        None,  # a streamed call has no llm_output
        {"token_usage": {"prompt_tokens": 3, "prompt_tokens_details": {"cached_tokens": 1}}},
        {
            "token_usage": {
                "prompt_tokens": 4,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": None},
            },
            "system_fingerprint": "fp_1",
        },
    ]
    assert combine_llm_outputs(outputs, model_name="m") == {
        "token_usage": {
            "prompt_tokens": 7,
            "completion_tokens": 2,
            "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": None},
        },
        "model_name": "m",
        "system_fingerprint": "fp_1",
    }
    assert combine_llm_outputs([None], model_name="m") == {"token_usage": {}, "model_name": "m"}
