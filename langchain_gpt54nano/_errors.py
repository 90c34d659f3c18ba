"""Transport errors as LangChain's model errors too, so agent middleware can classify them.

`langchain.agents` middleware decides by `langchain_core.exceptions` classes:
`ModelRetryMiddleware` retries a `ModelError` only when its `is_retryable` says so (and any
other exception always), and `SummarizationMiddleware` shortens its prompt on a
`ContextOverflowError`. The transport cannot import LangChain, so this adapter re-raises each
`GatewayError` as an instance of a class derived from both the transport class and the matching
LangChain class (as langchain-openai derives from the `openai` SDK's classes): code catching
either keeps working, and the message, status, code, body, meta and headers are the same
attributes. The original error is the `__cause__`.

`langchain_class` (pure) holds the mapping; `translate_errors` decorates the model's four
entry points (sync/async, call/stream).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any, NoReturn, TypeVar, cast

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from gpt54nano_gateway.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayConnectionError,
    GatewayError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    PoolTimeoutError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeoutError,
    ResponseParseError,
    StreamError,
    StreamTruncatedError,
    UnprocessableEntityError,
)

__all__ = ["as_langchain_error", "langchain_class", "translate_errors"]

F = TypeVar("F", bound=Callable[..., Any])

# First match wins, so subclasses come before their bases. The third item overrides the
# LangChain class's `is_retryable` where the transport knows better (None: keep it).
_MAPPING: tuple[tuple[type[GatewayError], type[ModelError], bool | None], ...] = (
    # Refused before sending (model rules, bad arguments): the same call fails again.
    (ConfigurationError, ModelInvalidRequestError, None),
    # All connections of the pool busy: another attempt only queues again (transport policy).
    (PoolTimeoutError, ModelTimeoutError, False),
    (GatewayTimeoutError, ModelTimeoutError, None),
    (GatewayConnectionError, ModelConnectionError, None),
    (BadRequestError, ModelInvalidRequestError, None),
    (AuthenticationError, ModelAuthenticationError, None),
    # 402: no credits for this model; nothing a retry changes.
    (PaymentRequiredError, ModelPermissionDeniedError, None),
    (PermissionDeniedError, ModelPermissionDeniedError, None),
    (NotFoundError, ModelNotFoundError, None),
    (RequestTimeoutError, ModelTimeoutError, None),
    (ConflictError, ModelAPIError, None),
    (PayloadTooLargeError, ModelInvalidRequestError, None),
    # 422/424, guardrail and DLP blocks: the same content is blocked again.
    (UnprocessableEntityError, ModelInvalidRequestError, None),
    # A daily or spend quota does not lift within a retry.
    (QuotaExceededError, ModelRateLimitError, False),
    (RateLimitError, ModelRateLimitError, None),
    (InternalServerError, ModelAPIError, None),
    (StreamError, ModelAPIError, None),
    (StreamTruncatedError, ModelConnectionError, None),
    (ResponseParseError, ModelAPIError, None),
)

_OVERFLOW_CODE = "context_length_exceeded"


def _is_context_overflow(error: GatewayError) -> bool:
    # OpenAI's 400 (relayed by Cloudflare) carries the code; a stream error event may too.
    return isinstance(error, BadRequestError | StreamError) and (
        error.code == _OVERFLOW_CODE or _OVERFLOW_CODE in error.message
    )


def langchain_class(error: GatewayError) -> tuple[type[ModelError], bool | None] | None:
    """The LangChain class for ``error`` and its `is_retryable` override (None: the class's).

    ``None`` for an error with no LangChain counterpart (a bare `GatewayError`).
    """
    if _is_context_overflow(error):
        return ContextOverflowError, None
    for gateway_class, model_class, retryable in _MAPPING:
        if isinstance(error, gateway_class):
            return model_class, retryable
    if isinstance(error, APIStatusError):  # another status (or a 200 with success: false)
        retryable = error.status_code is not None and error.status_code >= 500
        return ModelAPIError, retryable
    return None


_DualKey = tuple[type[GatewayError], type[ModelError], bool | None]
_DUAL_CLASSES: dict[_DualKey, type[GatewayError]] = {}


def _dual_class(
    gateway_class: type[GatewayError], model_class: type[ModelError], retryable: bool | None
) -> type[GatewayError]:
    """``class X(gateway_class, model_class)``, created once per pair (so ``type(a) is
    type(b)`` for two errors of one kind); same name, so reprs read as the transport's."""
    key = (gateway_class, model_class, retryable)
    if (cached := _DUAL_CLASSES.get(key)) is None:
        cached = _DUAL_CLASSES.setdefault(key, _new_dual_class(*key))
    return cached


def _new_dual_class(
    gateway_class: type[GatewayError], model_class: type[ModelError], retryable: bool | None
) -> type[GatewayError]:
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": gateway_class.__qualname__,
        "__doc__": (
            f"{gateway_class.__name__} that is also a "
            f"langchain_core.exceptions.{model_class.__name__}."
        ),
    }
    if retryable is not None:
        namespace["is_retryable"] = retryable
    # Pickled by the transport class (importable by name) and rebuilt into this class, so
    # the error survives a process pool or a pickling checkpointer.
    namespace["__reduce__"] = _reduce
    return cast(
        "type[GatewayError]",
        type(gateway_class.__name__, (gateway_class, model_class), namespace),
    )


def _reduce(error: GatewayError) -> tuple[Any, ...]:
    transport_class = next(c for c in type(error).__mro__[1:] if c.__module__ != __name__)
    return _rebuild, (transport_class, error.args, dict(vars(error)))


def _rebuild(
    transport_class: type[GatewayError], args: tuple[Any, ...], state: dict[str, Any]
) -> GatewayError:
    error = transport_class.__new__(transport_class)
    error.args = args
    error.__dict__.update(state)
    return as_langchain_error(error)


def as_langchain_error(error: GatewayError) -> GatewayError:
    """``error`` as an instance of its dual class (``error`` itself when already one, or when
    no LangChain class matches), with the same message and attributes."""
    if isinstance(error, ModelError):
        return error
    mapped = langchain_class(error)
    if mapped is None:
        return error
    model_class, retryable = mapped
    dual = _dual_class(type(error), model_class, retryable)
    translated = dual.__new__(dual)
    translated.args = error.args
    translated.__dict__.update(error.__dict__)
    return translated


def translate_errors(func: F) -> F:
    """Re-raise the `GatewayError`s of ``func`` (a function, coroutine function, generator or
    async generator) as `as_langchain_error` gives them, ``from`` the original."""
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen_wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async with aclosing(func(*args, **kwargs)) as stream:
                    async for item in stream:
                        yield item
            except GatewayError as exc:
                _reraise(exc)

        return cast("F", agen_wrapper)
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from func(*args, **kwargs)
            except GatewayError as exc:
                _reraise(exc)

        return cast("F", gen_wrapper)
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coro_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await func(*args, **kwargs)
            except GatewayError as exc:
                _reraise(exc)

        return cast("F", coro_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GatewayError as exc:
            _reraise(exc)

    return cast("F", wrapper)


def _reraise(error: GatewayError) -> NoReturn:
    translated = as_langchain_error(error)
    if translated is error:
        raise error
    raise translated.with_traceback(error.__traceback__) from error
