"""The emulator model's JSON-schema instance generator: every instance must validate.

A battery of schemas (pydantic-generated from real-looking models, OpenAI strict variants, and
hand-written ones for keywords pydantic does not emit) is crossed with several conversation
texts; each generated instance is checked with jsonschema (formats included) and, for the
pydantic ones, by pydantic itself.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import uuid
from typing import Annotated, Any, Literal, Optional

import jsonschema
import pytest
from pydantic import BaseModel, Field

from gpt54nano_emulator.model._schema_fill import Hints, fill_instance


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str
    postcode: Annotated[str, Field(min_length=4, max_length=8)]
    country: Literal["FR", "DE", "GB"] = "FR"


class Person(BaseModel):
    name: str
    age: Annotated[int, Field(ge=0, le=130)]
    height_m: Annotated[float, Field(gt=0.3, lt=2.8)]
    email: Optional[str] = None  # noqa: UP045 - the Optional spelling is what users write
    favourite: Colour
    address: Address
    previous: list[Address] = Field(default_factory=list)
    tags: Annotated[list[str], Field(min_length=2)]
    scores: dict[str, int]
    born: dt.date
    updated: dt.datetime
    ident: uuid.UUID
    active: bool


class Node(BaseModel):
    """Recursive: a tree must terminate."""

    label: str
    children: list[Node]


class Pair(BaseModel):
    point: tuple[int, float]
    unique: Annotated[set[int], Field(min_length=3)]
    either: int | str
    maybe: Address | None
    kind: Literal["a"] = "a"


class Joke(BaseModel):
    setup: str = Field(description="question to set up a joke")
    punchline: str | None = Field(default=None, description="answer to resolve the joke")


class Album(BaseModel):
    name: str
    artist: str
    year: Annotated[int, Field(ge=1900, le=2100)]
    songs: list[str]


class Stepped(BaseModel):
    even: Annotated[int, Field(multiple_of=2, ge=3)]
    tenth: Annotated[float, Field(multiple_of=0.5, le=-1)]
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Owner(BaseModel):
    """A discriminated union: pydantic emits oneOf + discriminator."""

    pet: Annotated[Cat | Dog, Field(discriminator="pet_type")]
    pets: list[Annotated[Cat | Dog, Field(discriminator="pet_type")]]


MODELS: list[type[BaseModel]] = [Address, Person, Node, Pair, Joke, Album, Stepped, Owner]


def strict(schema: Any) -> Any:
    """OpenAI strict mode: every object closed and every property required."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema)
    return schema


HAND_WRITTEN: list[dict[str, Any]] = [
    {"type": "object", "properties": {}},
    {"type": "object", "additionalProperties": {"type": "number"}, "minProperties": 2},
    {"type": ["string", "null"], "format": "email"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uri"},
    {"type": "string", "format": "ipv4"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "items": {"type": "string"}, "maxItems": 0},
    {"oneOf": [{"type": "integer", "minimum": 5}, {"type": "string"}]},
    {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
    {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    {"oneOf": [{"type": "object"}, {"type": "object", "required": ["k"]}]},
    {"const": {"fixed": [1, 2]}},
    {"enum": [3, "x", None]},
    {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
    {"type": "number", "minimum": 0.25, "maximum": 0.75},
    {"type": "number", "multipleOf": 0.1, "minimum": 0.25},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 3,
        "exclusiveMaximum": True,
    },
    {"type": "string", "pattern": "^[a-z]{2}-\\d{3}$"},
    {"type": "string", "minLength": 50},
    {"type": "string", "maxLength": 3},
    {
        "type": "object",
        "properties": {"when": {"$ref": "#/definitions/day"}},
        "required": ["when"],
        "definitions": {"day": {"type": "string", "format": "date"}},
    },
    {
        "allOf": [{"$ref": "#/$defs/a"}, {"properties": {"b": {"type": "integer"}}}],
        "$defs": {
            "a": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
        },
    },
]

TEXTS = [
    "",
    "Tell me a joke about cats.",
    "name: Ada, age is 36, city: 'Paris', colour green, on 2024-02-29, mail ada@example.org",
    "Numbers 3 and -4.5 and 1000000, quoted 'first' \"second\" and 你好啊集团",
]

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def check(schema: Any, instance: Any) -> None:
    validator_class = jsonschema.validators.validator_for(schema, jsonschema.Draft202012Validator)
    validator_class(schema, format_checker=FORMATS).validate(instance)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", ["plain", "strict"])
def test_pydantic_schemas_give_valid_instances(
    model: type[BaseModel], text: str, mode: str
) -> None:
    schema = model.model_json_schema()
    if mode == "strict":
        schema = strict(schema)
    instance = fill_instance(schema, Hints.from_text(text))
    check(schema, instance)
    model.model_validate(instance)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("schema", HAND_WRITTEN, ids=lambda s: str(s)[:40])
def test_hand_written_schemas_give_valid_instances(schema: dict[str, Any], text: str) -> None:
    check(schema, fill_instance(schema, Hints.from_text(text)))


def test_values_come_from_the_conversation() -> None:
    text = (
        "name: Ada, age is 36, my favourite is blue, born 1990-05-17, reach me at ada@example.org"
    )
    person = fill_instance(Person.model_json_schema(), Hints.from_text(text))
    assert person["name"] == "Ada"
    assert person["age"] == 36
    assert person["favourite"] == "blue"
    assert person["born"] == "1990-05-17"


def test_numbers_are_used_in_order_and_clamped_to_bounds() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "maximum": 10}},
        "required": ["a", "b"],
    }
    assert fill_instance(schema, Hints.from_text("What is 3 + 40")) == {"a": 3, "b": 10}


def test_integer_skips_fractional_numbers() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert fill_instance(schema, Hints.from_text("between 2.5 and 7")) == {"n": 7}


def test_quoted_strings_fill_string_properties_unicode_kept() -> None:
    schema = {
        "type": "object",
        "properties": {"customer_name": {"type": "string"}, "description": {"type": "string"}},
        "required": ["customer_name", "description"],
    }
    hints = Hints.from_text("Create a customer named '你好啊集团' (Hello Group) - a company")
    assert fill_instance(schema, hints)["customer_name"] == "你好啊集团"


def test_quoted_property_names_are_keys_not_values() -> None:
    schema = strict(Joke.model_json_schema())
    text = "Return a JSON with 'setup' and 'punchline' keys about cats"
    joke = fill_instance(schema, Hints.from_text(text))
    assert joke["setup"] != "setup"
    assert joke["punchline"] != "punchline"


def test_place_like_properties_take_the_place_named() -> None:
    schema = {"type": "object", "properties": {"location": {"type": "string"}}}
    hints = Hints.from_text("What is the weather in San Francisco, CA?")
    assert fill_instance(schema, hints) == {"location": "San Francisco, CA"}


def test_enum_takes_the_mentioned_value_else_the_first() -> None:
    schema = {"enum": ["small", "medium", "large"]}
    assert fill_instance(schema, Hints.from_text("a LARGE one please")) == "large"
    assert fill_instance(schema, Hints.from_text("whatever")) == "small"


def test_optional_property_with_default_keeps_the_default() -> None:
    schema = Address.model_json_schema()
    assert fill_instance(schema, Hints.from_text("ship to GB"))["country"] == "FR"
    assert fill_instance(strict(schema), Hints.from_text("ship to GB"))["country"] == "GB"


def test_overrides_set_top_level_properties() -> None:
    hints = Hints.from_text("x")
    hints.overrides = {"to_agent": "WriteAgent"}
    schema = {"type": "object", "properties": {"to_agent": {"type": "string"}}}
    assert fill_instance(schema, hints) == {"to_agent": "WriteAgent"}


def test_recursive_schema_terminates() -> None:
    schema = {
        "$ref": "#/$defs/n",
        "$defs": {
            "n": {
                "type": "object",
                "properties": {"next": {"$ref": "#/$defs/n"}},
                "required": ["next"],
            }
        },
    }
    # An always-required self reference has no finite instance; the filler must still stop.
    instance = fill_instance(schema, Hints())
    depth = 0
    while isinstance(instance, dict) and "next" in instance:
        instance, depth = instance["next"], depth + 1
    assert 0 < depth < 100


def test_same_input_same_instance() -> None:
    schema = Person.model_json_schema()
    text = TEXTS[2]
    assert fill_instance(schema, Hints.from_text(text)) == fill_instance(
        schema, Hints.from_text(text)
    )


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_tool_arguments_validate_against_the_tool_schema(model: type[BaseModel], text: str) -> None:
    import json

    from gpt54nano_emulator.model._brain import generate

    schema = model.model_json_schema()
    tool = {"type": "function", "function": {"name": model.__name__, "parameters": schema}}
    body = {
        "messages": [{"role": "user", "content": text}],
        "tools": [tool],
        "tool_choice": "required",
    }
    arguments = json.loads(generate(body).tool_calls[0]["arguments"])
    check(schema, arguments)
    model.model_validate(arguments)
