"""Writes the three notebooks from the cells below, then executes them (outputs committed).

    .venv/bin/python notebooks/_build.py            # write + execute all three
    .venv/bin/python notebooks/_build.py --no-run   # write only
    .venv/bin/python notebooks/_build.py --live     # execute against Cloudflare (keeps creds)

The notebooks are generated so that they stay consistent with each other (one set-up cell) and
so that a change is a reviewable diff here rather than in .ipynb JSON. By default the kernel runs
without Cloudflare credentials, so the committed outputs come from the emulator.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 120


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(dedent(text).strip())


SETUP_MD = md(
    """
    ## Where the calls go

    With `CLOUDFLARE_ACCOUNT_ID` and `CLOUDFLARE_API_TOKEN` set, this notebook talks to
    Cloudflare. Without them, the next cell starts the package's **emulator** in this process:
    a local double of Cloudflare's endpoint on `127.0.0.1`. It is real HTTP, with the same SSE,
    `cf-aig-*` headers and error bodies as Cloudflare, but its "model" is deterministic. On the
    emulator, `script(...)` queues the next answers so that the notebook reads the same on every
    run. On Cloudflare, `script(...)` does nothing and the real model answers. Nothing else
    depends on which one you use.
    """
)

SETUP = code(
    '''
    from gpt54nano_gateway import ConfigurationError, GatewayConfig

    try:
        config = GatewayConfig.from_env()
        emulator = None
        print(f"Cloudflare: account {config.account_id}, model {config.model}")
    except ConfigurationError:
        from gpt54nano_emulator import Emulator

        emulator = Emulator().start()
        config = GatewayConfig(
            account_id=emulator.account_id,
            api_token=emulator.api_token,
            base_url=emulator.base_url,
        )
        print(f"No Cloudflare credentials: using the emulator at {emulator.root_url}")


    def script(*answers):
        """Emulator only: the next answers, in order. A str is a text answer; a list of
        {"name": ..., "arguments": {...}} is a tool-calling turn. No-op on Cloudflare."""
        if emulator is None:
            return
        from gpt54nano_emulator import Reply

        for answer in answers:
            reply = Reply(content=answer) if isinstance(answer, str) else Reply(tool_calls=answer)
            emulator.queue_reply(reply)
    '''
)

TEARDOWN = code(
    """
    if emulator is not None:
        emulator.stop()
    """
)


def langchain_quickstart() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
            # LangChain quickstart: `ChatGPT54Nano`

            `langchain_gpt54nano.ChatGPT54Nano` is a LangChain chat model for Cloudflare's
            `openai/gpt-5.4-nano`. This notebook covers invoke, stream, batch, tools,
            structured output, a small agent loop and error handling
            (`pip install "gpt54nano[langchain]"`).
            """
        ),
        SETUP_MD,
        SETUP,
        md(
            """
            ## Invoke

            Build the model from the config above. `ChatGPT54Nano()` alone would read the
            environment. The answer is an `AIMessage` with LangChain's `usage_metadata` and,
            in `response_metadata`, the AI Gateway log id.
            """
        ),
        code(
            """
            from langchain_gpt54nano import ChatGPT54Nano

            llm = ChatGPT54Nano(config=config)

            script("Bonjour ! Je suis ravi de vous aider.")
            reply = llm.invoke([("system", "Answer in French."), ("human", "Say hello.")])
            print(reply.content)
            print(reply.usage_metadata)
            print({k: v for k, v in reply.response_metadata.items() if k.startswith("gateway_")})
            """
        ),
        md(
            """
            ## Stream

            Tokens arrive as Server-Sent Events and are printed as they come. Adding up the
            chunks gives the whole message; usage rides on the last chunk.
            """
        ),
        code(
            """
            script("One, two, three, four, five. Counting done!")
            full = None
            for chunk in llm.stream("Count to five."):
                print(chunk.content, end="|", flush=True)
                full = chunk if full is None else full + chunk
            print()
            print(full.usage_metadata)
            """
        ),
        md(
            """
            Async works the same way: `ainvoke`, `astream`, `abatch`. In a notebook you can
            `await` at top level.
            """
        ),
        code(
            """
            script("Paris.")
            reply = await llm.ainvoke("The capital of France, one word.")
            print(reply.content)
            """
        ),
        md(
            """
            ## Batch

            `batch` runs the inputs concurrently. The answers come back in input order.
            """
        ),
        code(
            """
            questions = ["Name a prime number.", "Name a colour.", "Name a planet."]
            for question, answer in zip(questions, llm.batch(questions)):
                print(f"{question} -> {answer.content}")
            """
        ),
        md(
            """
            ## Tools

            `bind_tools` accepts LangChain tools, pydantic models, functions or OpenAI tool
            dicts. The model answers with `tool_calls`. You run them and send the results back
            as `ToolMessage`s.
            """
        ),
        code(
            '''
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
            script([{"name": "get_weather", "arguments": {"city": "Lisbon"}}])
            reply = llm_with_tools.invoke("What's the weather in Lisbon?")
            reply.tool_calls
            '''
        ),
        md(
            """
            ## Structured output

            `with_structured_output` uses OpenAI's strict `json_schema` response format by
            default. `method="function_calling"` and `method="json_mode"` are also available.
            With `include_raw=True` you also get the raw message, with its usage and log id.
            """
        ),
        code(
            '''
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
            print(result["raw"].response_metadata["gateway"]["log_id"])
            '''
        ),
        md(
            """
            ## An agent loop

            The smallest agent: call the model, run any tools it asks for, feed the results
            back, and stop when it answers in text. It needs only `langchain-core`. LangGraph's
            prebuilt agents drive `ChatGPT54Nano` the same way.
            """
        ),
        code(
            """
            from langchain_core.messages import HumanMessage

            tools = {t.name: t for t in (get_weather, add)}
            script(
                [{"name": "get_weather", "arguments": {"city": "Paris"}},
                 {"name": "get_weather", "arguments": {"city": "Lisbon"}}],
                [{"name": "add", "arguments": {"a": 14, "b": 21}}],
                "Paris is at 14 °C and Lisbon at 21 °C: together 35 degrees.",
            )
            messages = [HumanMessage("Weather in Paris and Lisbon, and the sum of both temperatures?")]
            for step in range(5):
                reply = llm_with_tools.invoke(messages)
                messages.append(reply)
                if not reply.tool_calls:
                    break
                for call in reply.tool_calls:
                    result = tools[call["name"]].invoke(call)
                    print(f"step {step}: {call['name']}({call['args']}) -> {result.content}")
                    messages.append(result)
            print(reply.content)
            """
        ),
        md(
            """
            ## Error handling

            Errors are typed, and the adapter lets them through unchanged. They come from
            `gpt54nano_gateway`, with the HTTP status, Cloudflare's code and the gateway log
            id. Retryable ones (429, 5xx, connection errors) have already been retried by then
            (`max_retries`, 2 by default). Bad input fails before anything is sent.
            """
        ),
        code(
            """
            from gpt54nano_gateway import AuthenticationError, GatewayError

            try:
                ChatGPT54Nano(config=config, api_key="not-a-valid-token").invoke("Hi")
            except AuthenticationError as exc:
                print(type(exc).__name__, exc.status_code, exc.code, "-", exc.message)
            """
        ),
        code(
            """
            from pydantic import ValidationError

            try:
                llm.invoke("Hi", top_p=7)  # out of range: refused locally, nothing is sent
            except ValidationError as exc:
                error = exc.errors()[0]
                print(type(exc).__name__, "-", ".".join(map(str, error["loc"])), "-", error["msg"])
            """
        ),
        code(
            """
            from gpt54nano_gateway import RateLimitError

            if emulator is not None:
                from gpt54nano_emulator import Fault

                # Three 429s in a row: the first attempt and both retries fail.
                emulator.plan_faults(Fault(kind="status", status=429, code=2003, retry_after="0"), next_n=3)
                try:
                    llm.invoke("Hi")
                except RateLimitError as exc:
                    print(f"{type(exc).__name__} after {exc.attempts} attempts: {exc.message}")
            else:
                print("Fault injection needs the emulator.")
            """
        ),
        TEARDOWN,
    ]


def llamaindex_agents() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
            # LlamaIndex: `GPT54Nano`, agents and a small RAG query

            `llama_index_gpt54nano.GPT54Nano` is a LlamaIndex `FunctionCallingLLM` for
            Cloudflare's `openai/gpt-5.4-nano`. This notebook covers chat, streaming,
            `FunctionAgent` and `AgentWorkflow` with tools, `structured_predict`, and a RAG
            query over three documents with a mock embedding
            (`pip install "gpt54nano[llama-index]"`).
            """
        ),
        SETUP_MD,
        SETUP,
        md(
            """
            ## Chat and complete

            Usage and the gateway facts (log id, cache status, attempts) are in
            `additional_kwargs`.
            """
        ),
        code(
            """
            from llama_index.core.llms import ChatMessage

            from llama_index_gpt54nano import GPT54Nano

            llm = GPT54Nano(config=config)

            script("Hola, ¿en qué puedo ayudarte?")
            response = llm.chat([
                ChatMessage(role="system", content="Answer in Spanish."),
                ChatMessage(role="user", content="Say hello."),
            ])
            print(response.message.content)
            print(response.additional_kwargs)
            """
        ),
        code(
            """
            script("A haiku needs three lines.")
            print(llm.complete("Why are haiku short?").text)
            """
        ),
        md(
            """
            ## Streaming

            Each response carries the new text in `delta` and the whole text so far in
            `message.content`.
            """
        ),
        code(
            """
            script("Streaming sends the answer piece by piece as it is generated.")
            for part in llm.stream_chat([ChatMessage(role="user", content="What is streaming?")]):
                print(part.delta, end="|", flush=True)
            print()
            """
        ),
        code(
            """
            script("Async streaming works the same way.")
            async for part in await llm.astream_complete("And async?"):
                print(part.delta, end="|", flush=True)
            print()
            """
        ),
        md(
            """
            ## A `FunctionAgent` with two tools

            Plain functions become tools, described by their signatures and docstrings.
            `handler.stream_events()` yields the agent's events as they happen: text deltas
            (`AgentStream`), tool calls and their results.
            """
        ),
        code(
            '''
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
            '''
        ),
        md(
            """
            ## An `AgentWorkflow`: two agents and a hand-off

            A researcher agent with a lookup tool hands over to a writer agent. The hand-off
            is itself a tool call, `handoff`, which `AgentWorkflow` adds to each agent.
            """
        ),
        code(
            '''
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
            '''
        ),
        md(
            """
            ## `structured_predict`

            The output class becomes a strict `json_schema` response format, and the answer
            is validated into it.
            """
        ),
        code(
            '''
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
            '''
        ),
        md(
            """
            ## A small RAG query

            The index uses `MockEmbedding`, so no embedding model is needed. Its vectors carry
            no meaning, so retrieval simply returns the top-k nodes. What this shows is the
            plumbing: retrieved text goes into the prompt, and `GPT54Nano` answers from it.
            """
        ),
        code(
            """
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
            """
        ),
        TEARDOWN,
    ]


def gateway_features() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
            # AI Gateway features: caching, metadata, retries, timeouts, errors

            This notebook uses the transport, `gpt54nano_gateway`, directly: the options are
            the same under both adapters. It covers caching (MISS, then HIT), metadata and
            event ids, gateway and client retries, timeouts, what each error looks like, and
            one `GatewayConfig` shared by LangChain and LlamaIndex.
            """
        ),
        SETUP_MD,
        SETUP,
        md(
            """
            ## Caching: MISS, then HIT

            `cf-aig-cache-ttl` (`GatewayOptions.cache_ttl`) turns caching on for a call. The
            same request again is served from the cache: `meta.cache_status` is `HIT`, and it
            gets a new log id.
            """
        ),
        code(
            """
            from gpt54nano_gateway import ChatRequest, GatewayClient, GatewayOptions

            client = GatewayClient(config)
            request = ChatRequest.model_validate(
                {"messages": [{"role": "user", "content": "One sentence about caching."}]}
            )
            cached = GatewayOptions(cache_ttl=300)

            script("Caching serves repeated requests without calling the model again.")
            for attempt in ("first", "second"):
                completion = client.create(request, options=cached)
                print(attempt, completion.meta.cache_status, completion.meta.log_id,
                      completion.usage.total_tokens, "tokens")
            """
        ),
        md(
            """
            `skip_cache=True` bypasses the cache for one call, and `cache_key` sets your own
            key. Options given per call win over those on the config, field by field.
            """
        ),
        code(
            """
            script("A fresh answer.")
            fresh = client.create(request, options=GatewayOptions(cache_ttl=300, skip_cache=True))
            print(fresh.meta.cache_status)
            """
        ),
        md(
            """
            ## Metadata and event ids

            `metadata` (at most 5 entries) is attached to the call's gateway log.
            `event_id` is your own trace id, and the gateway echoes it back.
            """
        ),
        code(
            """
            tagged = GatewayOptions(metadata={"user": 42, "feature": "notebook"}, event_id="nb-demo-0001")
            script("Tagged.")
            completion = client.create(request, options=tagged)
            print("event id:", completion.meta.event_id)
            print("log id:  ", completion.meta.log_id)
            if emulator is not None:  # what was sent, as the emulator recorded it
                sent = emulator.requests[-1].headers
                print({k: v for k, v in sent.items() if k.startswith("cf-aig-")})
            """
        ),
        md(
            """
            ## Retries: the gateway's and the client's

            *Gateway retries* (`GatewayRetries`) ask Cloudflare to retry upstream, with
            `cf-aig-max-attempts`, `-retry-delay` and `-backoff`. *Client retries*
            (`GatewayConfig.max_retries`, 2 by default) retry 408/409/429/5xx and connection
            errors, with exponential backoff and jitter, and honour `Retry-After`. When the
            gateway already retries, the client retries a relayed error at most once more.
            """
        ),
        code(
            """
            from gpt54nano_gateway import GatewayRetries

            retrying = GatewayOptions(
                retries=GatewayRetries(max_attempts=3, retry_delay_ms=200, backoff="exponential"),
                request_timeout_ms=10_000,
            )
            print(retrying.to_headers())
            script("Answered.")
            print(client.create(request, options=retrying).meta.attempts, "attempt(s)")
            """
        ),
        code(
            """
            if emulator is not None:
                from gpt54nano_emulator import Fault

                # One 503, then success: the client retries by itself (Retry-After: 0, no wait).
                emulator.plan_faults(Fault(kind="status", status=503, retry_after="0"), next_n=1)
                script("Answered after a retry.")
                completion = client.create(request)
                print(completion.choices[0].message.content, "- attempts:", completion.meta.attempts)
            else:
                print("Fault injection needs the emulator.")
            """
        ),
        md(
            """
            ## Timeouts

            `connect_timeout`, `read_timeout` (per socket read), `stream_idle_timeout` (the
            longest gap between two streamed events) and `total_timeout` (the whole call,
            retries included) are set on the config. `request_timeout_ms` is the gateway's own
            time-to-first-byte limit. Below, the emulator stalls for 2 s before answering, and
            a 0.5 s read timeout gives up first.
            """
        ),
        code(
            """
            from gpt54nano_gateway import GatewayTimeoutError

            if emulator is not None:
                impatient = GatewayClient(GatewayConfig(**dict(config) | {"read_timeout": 0.5, "max_retries": 0}))
                emulator.plan_faults(Fault(kind="stall", seconds=2.0), next_n=1)
                try:
                    impatient.create(request)
                except GatewayTimeoutError as exc:
                    print(type(exc).__name__, "-", exc.message)
            else:
                print("Fault injection needs the emulator.")
            """
        ),
        md(
            """
            ## What each error looks like

            Each fault below is injected by the emulator, in the body shape Cloudflare uses
            for it. The client runs with `max_retries=0`, so every error surfaces at once. The
            error tree is in the README: `APIStatusError` subclasses by status,
            `QuotaExceededError` for spend limits, and connection, timeout, stream and parse
            errors besides.
            """
        ),
        code(
            """
            from gpt54nano_gateway import GatewayError

            faults = {
                "bad token (401 / 2009)": Fault(kind="status", status=401, code=2009),
                "no credits (402 / 2021)": Fault(kind="status", status=402, code=2021),
                "rate limited (429 / 2003)": Fault(kind="status", status=429, code=2003),
                "spend limit (429 / 2045)": Fault(kind="status", status=429, code=2045),
                "server error (500)": Fault(kind="status", status=500),
                "bad gateway (502, HTML page)": Fault(kind="status", status=502),
                "200 with success:false": Fault(kind="envelope"),
                "connection reset": Fault(kind="reset"),
                "half a JSON body": Fault(kind="malformed"),
            }
            if emulator is not None:
                strict = GatewayClient(GatewayConfig(**dict(config) | {"max_retries": 0}))
                for label, fault in faults.items():
                    emulator.plan_faults(fault, next_n=1)
                    try:
                        strict.create(request)
                    except GatewayError as exc:
                        print(f"{label:30} {type(exc).__name__:24} status={exc.status_code} "
                              f"code={exc.code} {exc.message[:50]!r}")
            else:
                print("Fault injection needs the emulator.")
            """
        ),
        md(
            """
            Errors in a stream keep what arrived so far in `.partial`. Streams are retried
            only while opening, never once an event has arrived.
            """
        ),
        code(
            """
            from gpt54nano_gateway import StreamError, StreamTruncatedError

            if emulator is not None:
                for fault in (Fault(kind="cut", after=3), Fault(kind="error_event", after=3)):
                    emulator.plan_faults(fault, next_n=1)
                    script("This answer will not arrive in full, because the stream breaks.")
                    try:
                        with strict.stream(request) as stream:
                            for chunk in stream:
                                pass
                    except (StreamTruncatedError, StreamError) as exc:
                        partial = exc.partial.choices[0].message.content if exc.partial else None
                        print(f"{type(exc).__name__}: {exc.message[:60]!r}; partial: {partial!r}")
            else:
                print("Fault injection needs the emulator.")
            """
        ),
        md(
            """
            ## One `GatewayConfig` for both frameworks

            One config holds the credentials, the timeouts, the retries and the default gateway
            options. Both adapters take it as `config=`. Per-call `gateway_options` add to it.
            """
        ),
        code(
            """
            from langchain_gpt54nano import ChatGPT54Nano
            from llama_index_gpt54nano import GPT54Nano

            shared = GatewayConfig(**dict(config) | {"options": GatewayOptions(metadata={"app": "notebook"})})
            lc_llm = ChatGPT54Nano(config=shared)
            li_llm = GPT54Nano(config=shared)

            script("Hello from LangChain.", "Hello from LlamaIndex.")
            lc_reply = lc_llm.invoke("Say hello.")
            li_reply = li_llm.complete("Say hello.")
            print("LangChain: ", lc_reply.content, lc_reply.response_metadata["gateway"]["log_id"])
            print("LlamaIndex:", li_reply.text, li_reply.additional_kwargs["gateway"]["log_id"])
            if emulator is not None:
                print([r.headers.get("cf-aig-metadata") for r in emulator.requests[-2:]])
            """
        ),
        code(
            """
            client.close()
            """
        ),
        TEARDOWN,
    ]


NOTEBOOKS = {
    "langchain_quickstart.ipynb": langchain_quickstart,
    "llamaindex_agents.ipynb": llamaindex_agents,
    "gateway_features.ipynb": gateway_features,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name]())
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: nbformat.NotebookNode) -> None:
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
    ).execute()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="write the notebooks only")
    parser.add_argument("--live", action="store_true", help="keep Cloudflare credentials")
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(NOTEBOOKS)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(NOTEBOOKS)
    if unknown:
        parser.error(f"unknown notebooks: {', '.join(sorted(unknown))}")
    if not args.live:
        for var in ("CLOUDFLARE_ACCOUNT_ID", "CF_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CF_AI_API_TOKEN"):
            os.environ.pop(var, None)
    for name in args.names or NOTEBOOKS:
        nb = build(name)
        if not args.no_run:
            print(f"executing {name}", file=sys.stderr)
            execute(nb)
        nbformat.write(nb, HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
