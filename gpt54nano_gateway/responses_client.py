"""The Responses API on the clients: ``client.responses.create`` / ``client.responses.stream``.

A small sub-resource over the client's own machinery (``ClientCore``: the same config, gateway
options, retries, deadlines, error mapping and ``meta``); only the route, the body and the
parsing differ. The route is ``GatewayConfig.responses_url``: REST ``…/ai/v1/responses``, or
the gateway's provider-native ``…/{gateway}/openai/responses`` (``endpoint="gateway"``, or
``responses_endpoint="gateway"`` as the work-around for the REST route's open 402 bug), where
the model goes without its ``openai/`` prefix and the token in ``cf-aig-authorization``.

A non-stream ``status: "failed"`` response raises like a ``response.failed`` event (typed from
its ``error.code``, the response in ``.partial``); ``incomplete`` is a result (read
``incomplete_details``).

::

    with client.responses.stream(ResponsesRequest(input="Hi")) as events:
        for event in events:
            ...
        final = events.response()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from ._client_core import Call, ClientCore, parsed_url
from ._responses_stream import ResponsesStreamCore
from ._validators import validate_json_on_first_use
from .client import AsyncGatewayClient, GatewayClient, Options, _AsyncEvents, _Events
from .error_mapping import error_payload
from .errors import GatewayError
from .meta import meta_from_headers
from .model_rules import apply_responses_model_rules
from .responses_accumulator import failure_error
from .responses_wire import Response, ResponsesRequest, ResponseStreamEvent, responses_body

__all__ = ["AsyncResponses", "AsyncResponsesStream", "Responses", "ResponsesStream"]

T = TypeVar("T")


# The validator itself, bound on the first response (_validators says why).
_validate_response: Callable[[bytes], Response] = validate_json_on_first_use(
    Response, globals(), "_validate_response"
)
_PROVIDER_PREFIX = "openai/"


def as_responses_request(request: object) -> ResponsesRequest:
    """``request`` as a `ResponsesRequest`: a mapping is validated, anything else refused."""
    if isinstance(request, ResponsesRequest):
        return request
    if isinstance(request, Mapping):
        return ResponsesRequest.model_validate(request)
    raise TypeError(
        f"request must be a ResponsesRequest or a mapping, not {type(request).__name__}"
    )


class _ResponsesCore:
    """What both sub-resources share: building a call and parsing the answer (no I/O)."""

    def __init__(self, client: ClientCore) -> None:
        config = client.config
        self._core = client
        self._url = parsed_url(config.responses_url)
        self._provider_native = config.responses_route == "gateway"
        route = config.responses_route
        self._headers = (
            (client._headers, client._stream_headers)
            if route == config.endpoint
            else client._header_pair(config.auth_headers(route))
        )

    def _call(
        self, request: ResponsesRequest | Mapping[str, Any], options: Any, *, stream: bool
    ) -> Call:
        given = as_responses_request(request)
        model = self._core.config.model
        if "model" not in given.model_fields_set and given.model != model:
            given = given.model_copy(update={"model": model})  # unset: the configured model
        prepared = apply_responses_model_rules(given)
        body = responses_body(prepared)
        if stream:
            body["stream"] = True
        else:
            body.pop("stream", None)
        model = body["model"]
        if self._provider_native and model.startswith(_PROVIDER_PREFIX):
            body["model"] = model[len(_PROVIDER_PREFIX) :]  # provider-native: OpenAI's own id
        return self._core._call_for(
            body,
            options,
            stream=stream,
            url=self._url,
            header_pair=self._headers,
            result_key="output",
        )

    def _response(self, response: httpx.Response, body: bytes, attempts: int) -> Response:
        """Parse a 2xx body into a `Response` with ``.meta``, or raise the error it holds."""
        # A server echoing the token (in the output, a failed response's error, a header) must
        # not put it into a result or an error.
        core, headers, body = (
            self._core,
            self._core._safe_headers(response),
            self._core._scrub(body),
        )
        try:
            result: Response = _validate_response(body)
        except ValidationError as exc:
            raise core._parse_error(
                "the response is not a JSON Responses API object "
                f"(content-type {headers.get('content-type')!r})",
                response,
                body,
                attempts,
            ) from exc
        if "output" not in result.model_fields_set:
            extra = result.__pydantic_extra__ or {}
            if error_payload(extra) is not None or extra.get("success") is False:
                raise core._status_error(response, body, attempts)
            raise core._parse_error(
                "the response JSON is not a Responses API object (no 'output')",
                response,
                body,
                attempts,
            )
        meta = meta_from_headers(headers, response.status_code, attempts)
        result.meta = meta
        if result.status == "failed":
            raise self._failed(result)
        return result

    def _failed(self, result: Response) -> GatewayError:
        """A ``status: failed`` body, typed as the ``response.failed`` event would be (but not
        a `StreamError`): the response is its ``partial``."""
        found = result.error or {}
        error = failure_error(
            found.get("code"),
            found.get("message"),
            "the response failed",
            result.model_dump(),
            stream=False,
        )
        meta = result.meta
        if meta is not None:
            error.meta, error.attempts = meta, meta.attempts
            error.request_id = meta.log_id or meta.ray_id
        error.partial = result
        return error

    def _opener(self, call: Call, cls: Callable[..., T]) -> Callable[[httpx.Response, int], T]:
        """What wraps an opened stream body of ``call`` into ``cls``."""
        return lambda response, attempts: cls(
            self._stream_core(response, call, attempts), response, self._core
        )

    def _stream_core(
        self, response: httpx.Response, call: Call, attempts: int
    ) -> ResponsesStreamCore:
        headers = self._core._safe_headers(response)
        meta = meta_from_headers(headers, response.status_code, attempts)
        return ResponsesStreamCore(meta, call.deadline, self._core.config.api_token)


class ResponsesStream(_Events[ResponseStreamEvent, Response]):
    """The typed events of one streamed response; iterate it inside
    ``client.responses.stream(...)``. ``meta`` is known before the first event."""

    _core: ResponsesStreamCore

    def response(self) -> Response:
        """Read the rest of the stream and return the final response (``.meta`` set), or raise
        its error (`StreamTruncatedError` when it ended before a terminal event)."""
        self._drain()
        return self._core.response()


class AsyncResponsesStream(_AsyncEvents[ResponseStreamEvent, Response]):
    """The typed events of one streamed response; iterate it inside
    ``client.responses.stream(...)``. ``meta`` is known before the first event."""

    _core: ResponsesStreamCore

    async def response(self) -> Response:
        """Read the rest of the stream and return the final response (``.meta`` set), or raise
        its error (`StreamTruncatedError` when it ended before a terminal event)."""
        await self._drain()
        return self._core.response()


class Responses(_ResponsesCore):
    """``GatewayClient.responses``."""

    def __init__(self, client: GatewayClient) -> None:
        super().__init__(client)
        self._client = client

    def create(
        self, request: ResponsesRequest | Mapping[str, Any], *, options: Options = None
    ) -> Response:
        """Send ``request`` and return the response (``.meta`` set)."""
        response, body, attempts = self._client._fetch(self._call(request, options, stream=False))
        return self._response(response, body, attempts)

    def stream(
        self, request: ResponsesRequest | Mapping[str, Any], *, options: Options = None
    ) -> AbstractContextManager[ResponsesStream]:
        """Open a streamed response: ``with client.responses.stream(req) as events: for e in
        events``; ``events.response()`` drains it and returns the final response."""
        call = self._call(request, options, stream=True)
        return self._client._streaming(call, self._opener(call, ResponsesStream))


class AsyncResponses(_ResponsesCore):
    """``AsyncGatewayClient.responses``."""

    def __init__(self, client: AsyncGatewayClient) -> None:
        super().__init__(client)
        self._client = client

    async def create(
        self, request: ResponsesRequest | Mapping[str, Any], *, options: Options = None
    ) -> Response:
        """Send ``request`` and return the response (``.meta`` set)."""
        call = self._call(request, options, stream=False)
        response, body, attempts = await self._client._fetch(call)
        return self._response(response, body, attempts)

    def stream(
        self, request: ResponsesRequest | Mapping[str, Any], *, options: Options = None
    ) -> AbstractAsyncContextManager[AsyncResponsesStream]:
        """Open a streamed response: ``async with client.responses.stream(req) as events:
        async for e in events``; ``await events.response()`` drains it."""
        call = self._call(request, options, stream=True)
        return self._client._streaming(call, self._opener(call, AsyncResponsesStream))
