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
# # Reasoning with tools: the Responses API
#
# GPT-5.4 refuses function tools with a `reasoning_effort` other than `"none"` on Chat
# Completions. On the Responses API (`/ai/v1/responses`) the same call works. There the model
# reasons between tool calls, its reasoning summary can be shown, and the encrypted reasoning
# goes back on the next turn, so the chain of thought carries across tool calls. Nothing is
# stored server-side (`store: false`).
#
# `GPT54Nano` (LlamaIndex) and `ChatGPT54Nano` (LangChain) take that route by themselves for a
# call with tools and an effort. This notebook shows the reasoning summaries, the streamed
# thinking, what goes back on the next turn, and the token usage, in both frameworks.

# %% [markdown]
# ## Where the calls go
#
# The next cell decides once. If any `CLOUDFLARE_*` variable is set, the config comes from the
# environment with `GatewayConfig.from_env()`. Otherwise the cell starts the package's
# **emulator** in this process: a local double of Cloudflare on `127.0.0.1`, with a scripted
# model whose reasoning summaries say what it decided.

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
# ## A `FunctionAgent` that reasons
#
# `reasoning_effort="low"` and two tools: every step of this agent goes to the Responses API.
# `AgentStream.thinking_delta` carries the reasoning summary as it streams, and
# `AgentStream.delta` the answer.

# %%
from llama_index.core.agent.workflow import AgentOutput, AgentStream, FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ThinkingBlock

from llama_index_gpt54nano import GPT54Nano


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


llm = GPT54Nano(config=config, reasoning_effort="low")
agent = FunctionAgent(tools=[add, multiply], llm=llm, system_prompt="Use the tools.")

script(
    [
        {"name": "add", "arguments": {"a": 2, "b": 3}},
        {"name": "multiply", "arguments": {"a": 2, "b": 3}},
    ],
    "2 + 3 = 5, and 2 × 3 = 6.",
)
handler = agent.run(user_msg="Add 2 and 3, and multiply the numbers too")
outputs = []
mode = None  # what is printing: "thinking" or "answer"
async for event in handler.stream_events():
    if isinstance(event, AgentStream) and (event.thinking_delta or event.delta):
        kind = "thinking" if event.thinking_delta else "answer"
        if kind != mode:
            print(f"\n[{kind}] ", end="")
            mode = kind
        print(event.thinking_delta or event.delta, end="", flush=True)
    elif isinstance(event, ToolCallResult):
        mode = None
        print(f"\n[tool] {event.tool_name}({event.tool_kwargs}) -> {event.tool_output.content}")
    elif isinstance(event, AgentOutput):
        outputs.append(event)
print()
print("final:", await handler)


# %% [markdown]
# ## What the reasoning looks like on the message
#
# Each reasoning item is a `ThinkingBlock` on the assistant message: the summary in `content`,
# the reasoning tokens in `num_tokens`, and in `additional_information` the item's `id` and its
# `encrypted_content`, an opaque token only the model can read.

# %%
first_step = outputs[0].response
for block in first_step.blocks:
    if isinstance(block, ThinkingBlock):
        encrypted = block.additional_information.get("encrypted_content", "")
        print("summary:", block.content)
        print("reasoning tokens:", block.num_tokens)
        print("id:", block.additional_information["id"])
        print("encrypted_content:", encrypted[:24] + "…", f"({len(encrypted)} characters)")


# %% [markdown]
# ## What went back on the second turn
#
# The agent's memory holds that message, so the next request carries the reasoning item ahead
# of the two calls it led to. On the embedded emulator the request log shows it, and
# `reasoning_returned` lists the items whose encrypted content the emulator verified.

# %%
if emulator is not None:
    second = [r for r in emulator.requests if r.path.endswith("/responses")][1]
    print([item.get("type", "message") for item in second.body["input"]])
    print("reasoning sent back:", second.reasoning_returned)


# %% [markdown]
# ## Usage, with reasoning tokens
#
# `use_responses_api=True` sends every call to the Responses API, not only those with tools
# (`False` keeps every call on Chat Completions). Usage sits under the same `additional_kwargs`
# keys as on Chat Completions, plus `reasoning_tokens`; `status` and `response_id` come from
# the Responses API.

# %%
from llama_index.core.llms import ChatMessage

responses_llm = GPT54Nano(config=config, use_responses_api=True, reasoning_effort="medium")
script("6 × 7 = 42.")
response = responses_llm.chat([ChatMessage(role="user", content="What is 6 times 7?")])
print(response.message.content)
usage_keys = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "status")
print({key: response.additional_kwargs.get(key) for key in usage_keys})


# %% [markdown]
# ## Structured output on the Responses API
#
# `structured_predict` sends the schema in `text.format` (strict `json_schema`).

# %%
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel


class Person(BaseModel):
    name: str
    age: int


responses_llm.structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ada is 36.")


# %% [markdown]
# ## The same in LangChain: `create_agent` that reasons
#
# `ChatGPT54Nano(reasoning_effort="low")` with two tools goes to the Responses API too. Each
# `AIMessage` carries its reasoning as a `reasoning` content block (the summary, and the
# encrypted content that goes back on the next turn), beside its tool calls.

# %%
from langchain.agents import create_agent

from langchain_gpt54nano import ChatGPT54Nano

chat = ChatGPT54Nano(config=config, reasoning_effort="low")
lc_agent = create_agent(chat, tools=[add, multiply], system_prompt="Use the tools.")
script(
    [
        {"name": "add", "arguments": {"a": 4, "b": 5}},
        {"name": "multiply", "arguments": {"a": 4, "b": 5}},
    ],
    "4 + 5 = 9, and 4 × 5 = 20.",
)
before = len(emulator.requests) if emulator is not None else 0
state = lc_agent.invoke({"messages": [("human", "Add 4 and 5, and multiply them too")]})
for message in state["messages"]:
    if message.type != "ai":
        continue
    for block in message.content:
        if isinstance(block, dict) and block.get("type") == "reasoning":
            summary = " ".join(part["text"] for part in block.get("summary", []))
            print("[reasoning]", summary)
    for call in message.tool_calls:
        print("[tool call]", call["name"], call["args"])
print("final:", state["messages"][-1].text)
print("usage of the last turn:", state["messages"][-1].usage_metadata)
if emulator is not None:
    lc_requests = [r for r in emulator.requests[before:] if r.path.endswith("/responses")]
    print("reasoning sent back on the second turn:", lc_requests[1].reasoning_returned)


# %%
resources.close()
