"""Shape fidelity against recorded traffic: the emulator's answers to the requests recorded in
``tests/data/wire-corpus`` have the same keys, JSON types and SSE framing as the recorded
responses (values ignored). A missing corpus fails collection.

Known, documented differences between OpenAI's own responses and Cloudflare's (the emulator
follows Cloudflare's catalog capture, wire doc §2.1 / §3.1):

* ``choices[].logprobs``: present (null) in OpenAI's responses, absent from every object of the
  Cloudflare capture for gpt-5.4-nano;
* ``gatewayMetadata``: added by Cloudflare to non-streaming bodies;
* keys OpenAI added after an older cassette was recorded (``annotations``, ``service_tier``,
  usage detail objects) are allowed to be missing from that cassette.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Reply
from tests.support.corpus import corpus_file

from .conftest import key_paths, rest_headers, rest_url, sse_data, sync_client

RECORDED = corpus_file("openai-recorded")
CATALOG = corpus_file("cloudflare-catalog", "openai-gpt-5.4-nano.json")

OPENAI_ONLY = {"choices[].logprobs"}
CLOUDFLARE_ONLY = {"gatewayMetadata", "gatewayMetadata.keySource"}
NEWER_THAN_OLD_CASSETTES = {
    "choices[].message.annotations",
    "service_tier",
    "usage.prompt_tokens_details",
    "usage.prompt_tokens_details.cached_tokens",
    "usage.prompt_tokens_details.audio_tokens",
    "usage.completion_tokens_details",
    "usage.completion_tokens_details.reasoning_tokens",
    "usage.completion_tokens_details.audio_tokens",
    "usage.completion_tokens_details.accepted_prediction_tokens",
    "usage.completion_tokens_details.rejected_prediction_tokens",
}


def typed_paths(value: Any, prefix: str = "") -> dict[str, set[str]]:
    """Path → the JSON types seen there (null ignored, ints and floats are both "number")."""
    out: dict[str, set[str]] = {}

    def add(path: str, item: Any) -> None:
        if item is None:
            return
        kind = {bool: "boolean", int: "number", float: "number", str: "string"}.get(
            type(item), "array" if isinstance(item, list) else "object"
        )
        out.setdefault(path, set()).add(kind)

    def walk(item: Any, path: str) -> None:
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else key
                add(child_path, child)
                walk(child, child_path)
        elif isinstance(item, list):
            for child in item:
                walk(child, path + "[]")

    walk(value, prefix)
    return out


def assert_same_types(ours: Any, theirs: Any) -> None:
    mine, recorded = typed_paths(ours), typed_paths(theirs)
    for path in mine.keys() & recorded.keys():
        assert mine[path] == recorded[path], (path, mine[path], recorded[path])


def _cassettes() -> list[Any]:
    if not RECORDED.is_dir():
        return []
    import yaml

    cases = []
    for path in sorted(RECORDED.glob("*.yaml")):
        interactions = yaml.safe_load(path.read_text("utf-8"))["interactions"]
        for index, interaction in enumerate(interactions):
            request, response = interaction["request"], interaction["response"]
            if not request["uri"].startswith("https://api.openai.com/v1/chat/completions"):
                continue
            if response["status"]["code"] != 200:
                continue
            cases.append(pytest.param(request, response, id=f"{path.stem}-{index}"))
    return cases


def post(url: str, **kwargs: Any) -> httpx.Response:
    with sync_client() as client:
        return client.post(url, **kwargs)


def to_cloudflare_request(recorded: dict[str, Any]) -> dict[str, Any]:
    """The recorded OpenAI request, as it would be sent to Cloudflare for gpt-5.4-nano."""
    body = copy.deepcopy(recorded)
    body["model"] = "openai/gpt-5.4-nano"
    body.pop("temperature", None)  # GPT-5 accepts only the default
    for message in body["messages"]:
        message.setdefault("content", None)  # the catalog schema requires the key
    return body


def reply_from_message(message: dict[str, Any], finish_reason: str | None) -> Reply:
    calls = [
        {
            "id": call["id"],
            "name": call["function"]["name"],
            "arguments": call["function"]["arguments"],
        }
        for call in message.get("tool_calls") or []
    ]
    return Reply(
        content=message.get("content"),
        tool_calls=calls or None,
        refusal=message.get("refusal"),
        finish_reason=finish_reason,
    )


def reply_from_chunks(chunks: list[dict[str, Any]]) -> Reply:
    content: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content.append(delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"arguments": ""})
                if call.get("id"):
                    slot["id"] = call["id"]
                function = call.get("function", {})
                if function.get("name"):
                    slot["name"] = function["name"]
                slot["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    return Reply(
        content="".join(content) or None,
        tool_calls=[calls[i] for i in sorted(calls)] or None,
        finish_reason=finish,
    )


@pytest.mark.parametrize(("request_", "response"), _cassettes())
def test_recorded_exchange_shapes(emulator: Any, request_: Any, response: Any) -> None:
    body = to_cloudflare_request(request_["parsed_body"])
    streamed = "body" in response
    if streamed:
        raw = response["body"]["string"]
        recorded_data = sse_data(raw)
        assert recorded_data[-1] == "[DONE]"
        recorded = [json.loads(item) for item in recorded_data[:-1]]
        recorded = [c for c in recorded if "moderation" not in c]  # OpenAI moderation extra
        emulator.queue_reply(reply_from_chunks(recorded))
    else:
        recorded_body = response["parsed_body"]
        choice = recorded_body["choices"][0]
        emulator.queue_reply(reply_from_message(choice["message"], choice["finish_reason"]))

    answer = post(rest_url(emulator), json=body, headers=rest_headers(emulator), timeout=10)
    assert answer.status_code == 200, answer.text

    if streamed:
        assert answer.headers["content-type"].startswith("text/event-stream")
        data = sse_data(answer.text)  # asserts the data: …\n\n framing
        assert data[-1] == "[DONE]"
        ours = [json.loads(item) for item in data[:-1]]
        mine = set().union(*(key_paths(c) for c in ours))
        theirs = set().union(*(key_paths(c) for c in recorded)) - OPENAI_ONLY
        assert mine == theirs
        assert [bool(c["choices"]) for c in ours][-1] == bool(recorded[-1]["choices"])
        assert_same_types({"chunks": ours}, {"chunks": recorded})
        # Same delta kinds: role/first tool fragment, fragments, finish, usage.
        kinds = {frozenset(key_paths(c)) for c in ours}
        recorded_kinds = {frozenset(key_paths(c) - OPENAI_ONLY) for c in recorded}
        assert kinds == recorded_kinds
    else:
        ours_body = answer.json()
        mine = key_paths(ours_body) - CLOUDFLARE_ONLY
        theirs = key_paths(recorded_body) - OPENAI_ONLY
        assert theirs - mine == set()
        assert mine - theirs <= NEWER_THAN_OLD_CASSETTES
        assert_same_types(ours_body, recorded_body)


# --- Cloudflare's own capture (catalog raw_response) ----------------------------------------------


def _catalog_examples() -> list[Any]:
    if not CATALOG.is_file():
        return []
    examples = json.loads(CATALOG.read_text("utf-8"))["examples"]
    return [
        pytest.param(example, id=example["name"])
        for example in examples
        if example.get("raw_response") is not None
    ]


@pytest.mark.parametrize("example", _catalog_examples())
def test_catalog_example_shapes_match_exactly(emulator: Any, example: dict[str, Any]) -> None:
    body = {"model": "openai/gpt-5.4-nano", **example["input"]}
    raw = example["raw_response"]
    if isinstance(raw, list):
        emulator.queue_reply(reply_from_chunks(raw))
    else:
        choice = raw["choices"][0]
        emulator.queue_reply(reply_from_message(choice["message"], choice["finish_reason"]))
    answer = post(rest_url(emulator), json=body, headers=rest_headers(emulator), timeout=10)
    assert answer.status_code == 200, answer.text
    if isinstance(raw, list):
        data = sse_data(answer.text)
        assert data[-1] == "[DONE]"
        ours = [json.loads(item) for item in data[:-1]]
        assert {frozenset(key_paths(c)) for c in ours} == {frozenset(key_paths(c)) for c in raw}
        assert ours[0]["choices"][0]["delta"] == raw[0]["choices"][0]["delta"]
        assert ours[-2]["choices"][0] == raw[-2]["choices"][0] | {"finish_reason": "stop"}
        assert ours[-1]["choices"] == raw[-1]["choices"] == []
        assert_same_types({"chunks": ours}, {"chunks": raw})
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in ours if c["choices"])
        assert text == "".join(example["output"]["text"])
    else:
        ours_body = answer.json()
        assert key_paths(ours_body) == key_paths(raw)
        assert_same_types(ours_body, raw)
        assert (
            ours_body["choices"][0]["message"]["content"] == raw["choices"][0]["message"]["content"]
        )
        assert ours_body["model"] == raw["model"]
        assert ours_body["gatewayMetadata"] == raw["gatewayMetadata"]


def test_vendored_schema_is_the_catalog_input_schema() -> None:
    from importlib import resources

    vendored = resources.files("gpt54nano_emulator.server").joinpath("catalog_input_schema.json")
    catalog = json.loads(CATALOG.read_text("utf-8"))["schema"]["input"]
    assert json.loads(vendored.read_text("utf-8")) == catalog
