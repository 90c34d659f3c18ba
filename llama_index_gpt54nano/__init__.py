"""LlamaIndex adapter for Cloudflare's ``openai/gpt-5.4-nano``: ``GPT54Nano``.

::

    from llama_index_gpt54nano import GPT54Nano

    llm = GPT54Nano()  # CLOUDFLARE_ACCOUNT_ID / CLOUDFLARE_API_TOKEN from the environment
    llm = GPT54Nano(config=config)  # or one GatewayConfig shared with the LangChain adapter
    print(llm.complete("Say hi").text)

It is a ``FunctionCallingLLM``: FunctionAgent, ReActAgent, CodeActAgent, AgentWorkflow, chat and
query engines and structured output (native ``response_format: json_schema`` by default) work
with it. Calls with tools and a reasoning effort take the Responses API (reasoning summaries as
``ThinkingBlock``s, encrypted reasoning sent back next turn; ``use_responses_api``). HTTP,
retries, timeouts and the GPT-5 parameter rules live in ``gpt54nano_gateway``.
"""

from ._convert import UnsupportedContentError
from ._cost_events import GatewayCostEventHandler
from ._feedback import agateway_log, asend_feedback, gateway_log, send_feedback
from ._responses import ResponsesParameterError
from .base import GPT54Nano

__all__ = [
    "GPT54Nano",
    "GatewayCostEventHandler",
    "ResponsesParameterError",
    "UnsupportedContentError",
    "agateway_log",
    "asend_feedback",
    "gateway_log",
    "send_feedback",
]
