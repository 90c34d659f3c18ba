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
# # LlamaIndex: `GPT54Nano`, agents and a small RAG query
#
# `llama_index_gpt54nano.GPT54Nano` is a LlamaIndex `FunctionCallingLLM` for
# Cloudflare's `openai/gpt-5.4-nano`. This notebook covers chat, streaming,
# `FunctionAgent` and `AgentWorkflow` with tools, `structured_predict`, and a RAG
# query over three documents with a mock embedding
# (`pip install "gpt54nano[llama-index]"`).


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
# ## Chat and complete
#
# Usage and the gateway facts (log id, cache status, attempts) are in
# `additional_kwargs`.


# %%
from llama_index.core.llms import ChatMessage

from llama_index_gpt54nano import GPT54Nano

llm = GPT54Nano(config=config)

script("Hola, ¿en qué puedo ayudarte?")
response = llm.chat(
    [
        ChatMessage(role="system", content="Answer in Spanish."),
        ChatMessage(role="user", content="Say hello."),
    ]
)
print(response.message.content)
print(response.additional_kwargs)


# %%
print(llm.complete("Why are haiku short?").text)


# %% [markdown]
# ## Streaming
#
# Each response carries the new text in `delta` and the whole text so far in
# `message.content`.


# %%
for part in llm.stream_chat([ChatMessage(role="user", content="What is streaming?")]):
    print(part.delta, end="", flush=True)
print()


# %%
async for part in await llm.astream_complete("And async?"):
    print(part.delta, end="", flush=True)
print()


# %% [markdown]
# ## A `FunctionAgent` with two tools
#
# Plain functions become tools, described by their signatures and docstrings.
# `handler.stream_events()` yields the agent's events as they happen: text deltas
# (`AgentStream`), tool calls and their results.


# %%
from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)


def get_temperature(city: str) -> float:
    """Current temperature in a city, in degrees Celsius."""
    return {"paris": 14.0, "lisbon": 21.0}.get(city.lower(), 18.0)


def celsius_to_fahrenheit(celsius: float) -> float:
    """Converts degrees Celsius to degrees Fahrenheit."""
    return round(celsius * 9 / 5 + 32, 1)


agent = FunctionAgent(
    tools=[get_temperature, celsius_to_fahrenheit],
    llm=llm,
    system_prompt="You answer weather questions with the tools, in one sentence.",
)
script(
    [{"name": "get_temperature", "arguments": {"city": "Lisbon"}}],
    [{"name": "celsius_to_fahrenheit", "arguments": {"celsius": 21.0}}],
    "It is 21 °C in Lisbon, that is 69.8 °F.",
)
handler = agent.run(user_msg="How warm is Lisbon, in Fahrenheit?")
async for event in handler.stream_events():
    if isinstance(event, AgentStream):
        print(event.delta, end="", flush=True)
    elif isinstance(event, ToolCallResult):
        print(f"  result: {event.tool_output.content}")
    elif isinstance(event, ToolCall):
        print(f"tool call: {event.tool_name}({event.tool_kwargs})")
print()
print("final:", await handler)


# %% [markdown]
# ## An `AgentWorkflow`: two agents and a hand-off
#
# A researcher agent with a lookup tool hands over to a writer agent. The hand-off
# is itself a tool call, `handoff`, which `AgentWorkflow` adds to each agent.


# %%
from llama_index.core.agent.workflow import AgentWorkflow


def lookup_fact(topic: str) -> str:
    """Looks up one fact about a topic."""
    return "AI Gateway caches identical requests and can retry failed ones."


researcher = FunctionAgent(
    name="researcher",
    description="Finds facts with the lookup tool.",
    system_prompt="Look up a fact, then hand off to the writer.",
    tools=[lookup_fact],
    llm=llm,
    can_handoff_to=["writer"],
)
writer = FunctionAgent(
    name="writer",
    description="Writes the final one-sentence answer.",
    system_prompt="Write a one-sentence answer from the facts you were given.",
    llm=llm,
)
workflow = AgentWorkflow(agents=[researcher, writer], root_agent="researcher")

script(
    [{"name": "lookup_fact", "arguments": {"topic": "AI Gateway"}}],
    [{"name": "handoff", "arguments": {"to_agent": "writer", "reason": "facts found"}}],
    "AI Gateway saves cost and failures by caching identical requests and retrying failed ones.",
)
handler = workflow.run(user_msg="Why put AI Gateway in front of a model?")
async for event in handler.stream_events():
    if isinstance(event, ToolCallResult):
        print(f"[{event.tool_name}] {event.tool_output.content}")
    elif isinstance(event, AgentOutput) and event.response.content:
        print(f"{event.current_agent_name}: {event.response.content}")
result = await handler


# %% [markdown]
# ## `structured_predict`
#
# The output class becomes a strict `json_schema` response format, and the answer
# is validated into it.


# %%
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel


class City(BaseModel):
    """A city."""

    name: str
    country: str
    population_millions: float


script('{"name": "Tokyo", "country": "Japan", "population_millions": 37.4}')
city = llm.structured_predict(
    City, PromptTemplate("The largest city of {country}?"), country="Japan"
)
city


# %% [markdown]
# ## A small RAG query
#
# The index uses `MockEmbedding`, so no embedding model is needed. Its vectors carry
# no meaning, so retrieval simply returns the top-k nodes. What this shows is the
# plumbing: retrieved text goes into the prompt, and `GPT54Nano` answers from it.


# %%
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding

documents = [
    Document(text="The emulator serves both URL forms on one host."),
    Document(text="cf-aig-cache-ttl turns on AI Gateway caching for a request."),
    Document(text="QuotaExceededError is never retried by the client."),
]
index = VectorStoreIndex.from_documents(documents, embed_model=MockEmbedding(embed_dim=8))
query_engine = index.as_query_engine(llm=llm, similarity_top_k=3)

script("Send cf-aig-cache-ttl with the request: it turns on AI Gateway caching.")
answer = query_engine.query("How do I turn on caching?")
print(answer)
print(len(answer.source_nodes), "source nodes")


# %%
resources.close()
