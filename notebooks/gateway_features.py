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
# # AI Gateway features: caching, metadata, retries, timeouts, errors
#
# This notebook uses the transport, `gpt54nano_gateway`, directly: the options are
# the same under both adapters. It covers caching (MISS, then HIT), metadata and
# event ids, gateway and client retries, timeouts, what each error looks like, and
# one `GatewayConfig` shared by LangChain and LlamaIndex.


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
# ## Caching: MISS, then HIT
#
# `cf-aig-cache-ttl` (`GatewayOptions.cache_ttl`) turns caching on for a call. The same request
# again is served from the cache: `meta.cache_status` is `HIT`, with a log id of its own. Below, a
# small batch of prompts is sent twice. (Run the cell again within five minutes and the first
# round is a `HIT` too.)

# %%
import time

from IPython.display import Markdown

from gpt54nano_gateway import ChatRequest, GatewayClient, GatewayOptions

client = GatewayClient(config)
cached = GatewayOptions(cache_ttl=300)
prompts = [
    "One sentence about caching.",
    "Why do retries need a backoff?",
    "Explain a request timeout to a new engineer in two short sentences.",
    "What is a log id for?",
]

rows = []
for round_ in ("first", "second"):
    for prompt in prompts:
        request = ChatRequest.model_validate({"messages": [{"role": "user", "content": prompt}]})
        started = time.perf_counter()
        completion = client.create(request, options=cached)
        rows.append(
            {
                "prompt": prompt,
                "round": round_,
                "cache": completion.meta.cache_status,
                "ms": (time.perf_counter() - started) * 1000,
                "prompt tokens": completion.usage.prompt_tokens,
                "completion tokens": completion.usage.completion_tokens,
            }
        )

table = ["| prompt | round | cache | latency | prompt tokens | completion tokens |"]
table.append("|---|---|---|--:|--:|--:|")
for row in rows:
    table.append(
        f"| {row['prompt']} | {row['round']} | {row['cache']} | {row['ms']:.1f} ms "
        f"| {row['prompt tokens']} | {row['completion tokens']} |"
    )
Markdown("\n".join(table))

# %% [markdown]
# A picture of the same calls: where each call's tokens go. A `HIT` reports the usage stored with
# the answer, but the model did not run again. (The plot needs `pip install matplotlib`.)

# %%
import matplotlib.pyplot as plt

first = [row for row in rows if row["round"] == "first"]
labels = [f"{row['prompt'][:28]}…" if len(row["prompt"]) > 28 else row["prompt"] for row in first]
prompt_tokens = [row["prompt tokens"] for row in first]
completion_tokens = [row["completion tokens"] for row in first]

fig, ax = plt.subplots(figsize=(7.5, 3))
ax.barh(labels, prompt_tokens, label="prompt", color="#4c78a8")
ax.barh(labels, completion_tokens, left=prompt_tokens, label="completion", color="#f58518")
ax.invert_yaxis()
ax.set_xlabel("tokens per call")
ax.legend(loc="lower right", frameon=False)
ax.spines[["top", "right"]].set_visible(False)
fig.tight_layout()
plt.show()

# %% [markdown]
# `skip_cache=True` bypasses the cache for one call, and `cache_key` sets your own key. Options
# given per call win over those on the config, field by field.

# %%
request = ChatRequest.model_validate({"messages": [{"role": "user", "content": prompts[0]}]})
fresh = client.create(request, options=GatewayOptions(cache_ttl=300, skip_cache=True))
print(fresh.meta.cache_status)

# %% [markdown]
# ## Metadata and event ids
#
# `metadata` (at most 5 entries) is attached to the call's gateway log. `event_id` is your own
# trace id, and the gateway echoes it back. `to_headers()` shows what goes on the wire.

# %%
tagged = GatewayOptions(metadata={"user": 42, "feature": "notebook"}, event_id="nb-demo-0001")
completion = client.create(request, options=tagged)
print("sent:    ", tagged.to_headers())
print("event id:", completion.meta.event_id)
print("log id:  ", completion.meta.log_id)

# %% [markdown]
# ## Retries: the gateway's and the client's
#
# *Gateway retries* (`GatewayRetries`) ask Cloudflare to retry upstream, with
# `cf-aig-max-attempts`, `-retry-delay` and `-backoff`. *Client retries*
# (`GatewayConfig.max_retries`, 2 by default) retry 408/409/429/5xx and connection errors, with
# exponential backoff and jitter, and honour `Retry-After`. When the gateway already retries, the
# client retries a relayed error at most once more.

# %%
from gpt54nano_gateway import GatewayRetries

retrying = GatewayOptions(
    retries=GatewayRetries(max_attempts=3, retry_delay_ms=200, backoff="exponential"),
    request_timeout_ms=10_000,
)
print(retrying.to_headers())
print(client.create(request, options=retrying).meta.attempts, "attempt(s)")

# %% [markdown]
# ## Errors from real bad requests
#
# Every error is a `GatewayError` subclass with the HTTP status, Cloudflare's code and message.
# These three come from the service itself (`max_retries=0`: none of them would be retried
# anyway).

# %%
from gpt54nano_gateway import GatewayError

bad_configs = {
    "wrong token": {"api_token": "not-a-valid-token"},
    "unknown model": {"model": "openai/gpt-5.4-nanoo"},
    "unknown gateway": {"gateway_id": "no-such-gateway"},
}
for label, change in bad_configs.items():
    bad = GatewayClient(GatewayConfig(**dict(config) | change | {"max_retries": 0}))
    try:
        bad.create(request)
    except GatewayError as exc:
        print(f"{label:16} {type(exc).__name__:18} {exc.status_code} {exc.code}: {exc.message}")
    finally:
        bad.close()

# %% [markdown]
# ## Failures on demand
#
# Cloudflare does not fail when asked to, so the rest of this section starts an emulator of its
# own, whichever endpoint the set-up cell chose, and plans each failure with `plan_faults`.
# Nothing below talks to Cloudflare.

# %%
from gpt54nano_emulator import Emulator, Fault

lab = resources.enter_context(Emulator())
lab_config = GatewayConfig(
    account_id=lab.account_id, api_token=lab.api_token, base_url=lab.base_url
)
lab_client = resources.enter_context(GatewayClient(lab_config))

# One 503, then success: the client retries by itself (Retry-After: 0, so no wait).
lab.plan_faults(Fault(kind="status", status=503, retry_after="0"), next_n=1)
completion = lab_client.create(request)
print(completion.choices[0].message.content, "- attempts:", completion.meta.attempts)

# %% [markdown]
# ## Timeouts
#
# `connect_timeout`, `read_timeout` (per socket read), `stream_idle_timeout` (the longest gap
# between two streamed events) and `total_timeout` (the whole call, retries included) are set on
# the config. `request_timeout_ms` is the gateway's own time-to-first-byte limit. Here the
# emulator stalls for 2 s before answering, and a 0.5 s read timeout gives up first.

# %%
from gpt54nano_gateway import GatewayTimeoutError

impatient = GatewayClient(
    GatewayConfig(**dict(lab_config) | {"read_timeout": 0.5, "max_retries": 0})
)
lab.plan_faults(Fault(kind="stall", seconds=2.0), next_n=1)
try:
    impatient.create(request)
except GatewayTimeoutError as exc:
    print(type(exc).__name__, "-", exc.message)

# %% [markdown]
# ## What each error looks like
#
# Each fault below comes in the body shape Cloudflare uses for it. The client runs with
# `max_retries=0`, so every error surfaces at once. The error tree is in the README:
# `APIStatusError` subclasses by status, `QuotaExceededError` for spend limits, and connection,
# timeout, stream and parse errors besides.

# %%
faults = {
    "no credits (402 / 2021)": Fault(kind="status", status=402, code=2021),
    "rate limited (429 / 2003)": Fault(kind="status", status=429, code=2003),
    "spend limit (429 / 2045)": Fault(kind="status", status=429, code=2045),
    "server error (500)": Fault(kind="status", status=500),
    "bad gateway (502, HTML page)": Fault(kind="status", status=502),
    "200 with success:false": Fault(kind="envelope"),
    "connection reset": Fault(kind="reset"),
    "half a JSON body": Fault(kind="malformed"),
}
strict = resources.enter_context(
    GatewayClient(GatewayConfig(**dict(lab_config) | {"max_retries": 0}))
)
for label, fault in faults.items():
    lab.plan_faults(fault, next_n=1)
    try:
        strict.create(request)
    except GatewayError as exc:
        print(
            f"{label:30} {type(exc).__name__:24} status={exc.status_code} "
            f"code={exc.code} {exc.message[:50]!r}"
        )

# %% [markdown]
# Errors in a stream keep what arrived so far in `.partial`. Streams are retried only while
# opening, never once an event has arrived.

# %%
from gpt54nano_emulator import Reply
from gpt54nano_gateway import StreamError, StreamTruncatedError

for fault in (Fault(kind="cut", after=3), Fault(kind="error_event", after=3)):
    lab.plan_faults(fault, next_n=1)
    lab.queue_reply(Reply(content="This answer will not arrive in full: the stream breaks."))
    try:
        with strict.stream(request) as stream:
            for chunk in stream:
                print(chunk.choices[0].delta.content or "", end="")
    except (StreamTruncatedError, StreamError) as exc:
        print()
        partial = exc.partial.choices[0].message.content if exc.partial else None
        print(f"{type(exc).__name__}: {exc.message[:60]!r}; partial: {partial!r}")

# %% [markdown]
# ## One `GatewayConfig` for both frameworks
#
# One config holds the credentials, the timeouts, the retries and the default gateway options.
# Both adapters take it as `config=`. Per-call `gateway_options` add to it.

# %%
from langchain_gpt54nano import ChatGPT54Nano
from llama_index_gpt54nano import GPT54Nano

shared = GatewayConfig(**dict(config) | {"options": GatewayOptions(metadata={"app": "notebook"})})
lc_reply = ChatGPT54Nano(config=shared).invoke("Say hello.")
li_reply = GPT54Nano(config=shared).complete("Say hello.")
print("sent with both:", shared.options.to_headers())
print("LangChain: ", lc_reply.response_metadata["gateway"]["log_id"], lc_reply.content)
print("LlamaIndex:", li_reply.additional_kwargs["gateway"]["log_id"], li_reply.text)

# %%
client.close()

# %%
resources.close()
