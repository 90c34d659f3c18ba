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
# # LangChain quickstart: `ChatGPT54Nano`
#
# `langchain_gpt54nano.ChatGPT54Nano` is a LangChain chat model for Cloudflare's
# `openai/gpt-5.4-nano`. This notebook covers invoke, stream, batch, tools, structured output, a
# small agent loop and error handling (`pip install "gpt54nano[langchain]"`).

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
# ## Invoke
#
# Build the model from the config above (`ChatGPT54Nano()` alone reads the environment). The
# answer is an `AIMessage` with LangChain's `usage_metadata` and, in `response_metadata`, the AI
# Gateway log id.

# %%
from langchain_gpt54nano import ChatGPT54Nano

llm = ChatGPT54Nano(config=config)

script("Bonjour ! Je suis ravi de vous aider.")
reply = llm.invoke([("system", "Answer in French."), ("human", "Say hello.")])
print(reply.content)
print(reply.usage_metadata)
print(reply.response_metadata["gateway"])

# %% [markdown]
# ## Stream
#
# Tokens arrive as Server-Sent Events and are printed as they come. Adding up the chunks gives
# the whole message. The last chunks carry no text: the finish reason, then the usage.

# %%
chunks = []
for chunk in llm.stream("Count to five."):
    print(chunk.content, end="", flush=True)
    chunks.append(chunk)
print()

message = sum(chunks[1:], chunks[0])
print(f"{len(chunks)} chunks, {sum(1 for c in chunks if c.content)} with text")
print(message.usage_metadata)

# %% [markdown]
# Async works the same way: `ainvoke`, `astream`, `abatch`. In a notebook you can `await` at top
# level.

# %%
reply = await llm.ainvoke("The capital of France, in one word.")
print(reply.content)

# %% [markdown]
# ## Batch
#
# `batch` runs the inputs concurrently (`max_concurrency` in the config bounds how many). The
# answers come back in input order.

# %%
questions = ["Name a prime number.", "Name a colour.", "Name a planet."]
for question, answer in zip(questions, llm.batch(questions), strict=True):
    print(f"{question:22} {answer.content}")

# %% [markdown]
# ## Tools
#
# `bind_tools` accepts LangChain tools, pydantic models, functions or OpenAI tool dicts. The model
# answers with `tool_calls`. You run them and send the results back as `ToolMessage`s.


# %%
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return {"paris": "14 °C, cloudy", "lisbon": "21 °C, sunny"}.get(city.lower(), "18 °C")


@tool
def add(a: float, b: float) -> float:
    """Adds two numbers."""
    return a + b


llm_with_tools = llm.bind_tools([get_weather, add])
reply = llm_with_tools.invoke("What's the weather in Lisbon?")
reply.tool_calls

# %% [markdown]
# ## Structured output
#
# `with_structured_output` uses OpenAI's strict `json_schema` response format by default
# (`method="function_calling"` and `method="json_mode"` are also available). With
# `include_raw=True` you also get the raw message, with its usage and log id.

# %%
from pydantic import BaseModel, Field


class Movie(BaseModel):
    """A film."""

    title: str
    year: int
    director: str
    genres: list[str] = Field(description="one to three genres")


structured = llm.with_structured_output(Movie, include_raw=True)
script(
    '{"title": "The Matrix", "year": 1999, "director": "Lana and Lilly Wachowski", '
    '"genres": ["science fiction", "action"]}'
)
result = structured.invoke("A famous 1999 science-fiction film.")
print(repr(result["parsed"]))
print("log id:", result["raw"].response_metadata["gateway"]["log_id"])

# %% [markdown]
# ## An agent loop
#
# The smallest agent: call the model, run the tools it asks for, feed the results back, and stop
# when it answers in text (or after five rounds). It needs only `langchain-core`; LangGraph's
# prebuilt agents drive `ChatGPT54Nano` the same way.

# %%
from langchain_core.messages import HumanMessage

tools = {t.name: t for t in (get_weather, add)}
script(
    [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Lisbon"}},
    ],
    [{"name": "add", "arguments": {"a": 14, "b": 21}}],
    "Paris is at 14 °C and Lisbon at 21 °C: together 35 degrees.",
)
messages = [HumanMessage("Weather in Paris and Lisbon, and the sum of both temperatures?")]
for step in range(5):
    reply = llm_with_tools.invoke(messages)
    messages.append(reply)
    for call in reply.tool_calls:
        result = tools[call["name"]].invoke(call)
        print(f"step {step}: {call['name']}({call['args']}) -> {result.content}")
        messages.append(result)
    if not reply.tool_calls:
        break
print(reply.content)

# %% [markdown]
# ## Error handling
#
# Errors are typed, and the adapter lets them through unchanged. They come from
# `gpt54nano_gateway` and carry the HTTP status, Cloudflare's code and message. Retryable ones
# (429, 5xx, connection errors) have already been retried by then (`max_retries`, 2 by default);
# `gateway_features.ipynb` shows those. A wrong token, say:

# %%
from gpt54nano_gateway import AuthenticationError

try:
    ChatGPT54Nano(config=config, api_key="not-a-valid-token").invoke("Hi")
except AuthenticationError as exc:
    print(f"{type(exc).__name__}: status {exc.status_code}, code {exc.code}: {exc.message}")

# %% [markdown]
# A model id the API does not know is refused by Cloudflare, with its own code:

# %%
from gpt54nano_gateway import GatewayError

try:
    ChatGPT54Nano(config=config, model="openai/gpt-5.4-nanoo").invoke("Hi")
except GatewayError as exc:
    print(f"{type(exc).__name__}: status {exc.status_code}, code {exc.code}: {exc.message}")

# %% [markdown]
# Bad input fails before anything is sent:

# %%
from pydantic import ValidationError

try:
    llm.invoke("Hi", top_p=7)
except ValidationError as exc:
    error = exc.errors()[0]
    print(f"{type(exc).__name__}: {'.'.join(map(str, error['loc']))}: {error['msg']}")

# %%
resources.close()
