# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # AI Gateway as a platform: logs, cost, feedback
#
# Every call through AI Gateway is logged: its cost, its tokens, how long it took, whether the
# cache answered. This notebook reads one call's log, sends feedback and a score onto it and
# reads them back, then lets a LangChain callback handler and a LlamaIndex event handler add
# up cost and tokens over several calls. The figures are the gateway's own, the ones the
# dashboard shows.
#
# | Feature | Token permission |
# | --- | --- |
# | Calls (`invoke`, `chat`, ...) on `api.cloudflare.com` | Workers AI Read (and AI Gateway Read) |
# | Reading logs (`gateway_log`, the cost handlers) | AI Gateway Read |
# | Feedback, score, metadata (`send_feedback`) | AI Gateway Edit |


# %% [markdown]
# ## Where the calls go
#
# The next cell decides once. If any of `CLOUDFLARE_ACCOUNT_ID`, `CLOUDFLARE_API_TOKEN` or
# `CLOUDFLARE_BASE_URL` is set (or the short aliases `CF_ACCOUNT_ID`, `CF_AI_API_TOKEN`), the
# config comes from the environment with `GatewayConfig.from_env()`, and a missing or wrong value
# fails right there with its real error. Only when none of them is set does the cell start the
# package's **emulator** in this process: a local double of Cloudflare's endpoint on `127.0.0.1`.
# It is real HTTP, with the same SSE, `cf-aig-*` headers and error bodies as Cloudflare, but its
# "model" is deterministic and mostly repeats your prompt.
#
# Where the story needs a real answer, `script(...)` hands the embedded emulator the answer to
# give next. Everywhere else you see the emulator's own reply. Against Cloudflare (or a
# stand-alone emulator you point `CLOUDFLARE_BASE_URL` at) `script(...)` does nothing.

# %%
import os
from contextlib import ExitStack

from gpt54nano_gateway import GatewayConfig

CLOUDFLARE_VARIABLES = (
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_API_TOKEN",
    "CF_AI_API_TOKEN",
    "CLOUDFLARE_BASE_URL",
)
resources = ExitStack()  # closed by the last cell
emulator = None

if any(name in os.environ for name in CLOUDFLARE_VARIABLES):
    config = GatewayConfig.from_env()
    print(f"From the environment: {config.base_url}, account {config.account_id}")
else:
    from gpt54nano_emulator import Emulator

    emulator = resources.enter_context(Emulator())
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=emulator.api_token,
        base_url=emulator.base_url,
    )
    print(f"No CLOUDFLARE_* variable set: using the embedded emulator at {emulator.root_url}")


def script(*answers):
    """The embedded emulator's next answers, in order: a str is a text answer, a list of
    {"name": ..., "arguments": {...}} a tool-calling turn. Does nothing anywhere else."""
    if emulator is None:
        return
    from gpt54nano_emulator import Reply

    for answer in answers:
        reply = Reply(content=answer) if isinstance(answer, str) else Reply(tool_calls=answer)
        emulator.queue_reply(reply)


# %% [markdown]
# ## One call, and its log
#
# The answer carries its gateway log id in `response_metadata["gateway"]["log_id"]`.
# `gateway_log` fetches that log. A log is written just before the answer's last byte, so the
# fetch waits (up to 3 seconds) for a log that is not readable yet.

# %%
from langchain_gpt54nano import ChatGPT54Nano, gateway_log, send_feedback

llm = ChatGPT54Nano(config=config)
script("A hash map stores key-value pairs and finds a value by its key in constant time.")
answer = llm.invoke("What is a hash map, in one sentence?")
print(answer.content)
log = gateway_log(answer, llm)
print(f"log {log.id}: model {log.model}, {log.tokens_in} tokens in, {log.tokens_out} out")
print(f"cost ${log.cost:.8f}, {log.duration} ms, cached: {log.cached}")

# %% [markdown]
# ## Feedback and a score, read back
#
# `send_feedback` patches `feedback` (-1, 0 or 1), a `score` (0 to 100) and/or `metadata` onto
# the log, and returns the updated log. It needs the token's "AI Gateway Edit" permission;
# without it the error says so.

# %%
patched = send_feedback(answer, llm, feedback=1, score=90, metadata={"reviewer": "notebook"})
print("returned:", patched.feedback, patched.score, patched.metadata)
again = gateway_log(answer, llm)
print("read back:", again.feedback, again.score, again.metadata)

# %% [markdown]
# ## Cost and tokens of a whole chain (LangChain)
#
# `GatewayCostCallbackHandler` reads the log of every call it sees, per LLM run and overall.
# Here a chain makes two calls. A log it cannot read lands in `handler.failures`: it never
# breaks the chain. For async code, `AsyncGatewayCostCallbackHandler` fetches without a thread.

# %%
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_gpt54nano import GatewayCostCallbackHandler

handler = GatewayCostCallbackHandler(llm)
draft = ChatPromptTemplate.from_template("Write one line about {topic}.") | llm | StrOutputParser()
chain = draft | (lambda line: f"Make this shorter: {line}") | llm | StrOutputParser()
script("Rain taps the window like a patient friend.", "Rain taps, patient.")
print(chain.invoke({"topic": "rain"}, config={"callbacks": [handler]}))
totals = handler.totals
print(f"{totals.calls} calls, ${totals.cost:.8f}, {totals.tokens_in} in / {totals.tokens_out} out")
print(f"cached calls: {totals.cached_calls}, gateway time: {totals.duration_ms} ms")
for run_id, run in handler.runs.items():
    print(f"  run {str(run_id)[:8]}: ${run.cost:.8f}, {run.tokens_in} in / {run.tokens_out} out")
print("failures:", handler.failures)

# %% [markdown]
# ## The same with LlamaIndex
#
# `GatewayCostEventHandler` is an instrumentation event handler: register it on the root
# dispatcher and every `GPT54Nano` call is counted, its log fetched when the call ends (async
# apps can pass `async_fetch=True`, then `await handler.aflush()` before reading the figures).

# %%
from llama_index.core.instrumentation import get_dispatcher

from llama_index_gpt54nano import GatewayCostEventHandler, GPT54Nano

li_llm = GPT54Nano(config=config)
events = GatewayCostEventHandler(li_llm)
dispatcher = get_dispatcher()
dispatcher.add_event_handler(events)
li_llm.complete("Name a sorting algorithm.")
li_llm.complete("Name a sorting algorithm.")
dispatcher.event_handlers.remove(events)
print(events.totals)

# %%
resources.close()
