"""The log endpoints of Cloudflare's v4 API (``/client/v4/accounts/{acct}/ai-gateway/gateways/
{gw}/logs…``), served from the emulator's :class:`~._log_store.LogStore`.

* ``GET …/logs`` → ``{"result": [...], "result_info": {page, per_page, count, total_count},
  "success": true, "errors": [], "messages": []}`` (query: ``_log_query``);
* ``GET …/logs/{id}`` → the same envelope with one detail object;
* ``PATCH …/logs/{id}`` with ``{"feedback", "score", "metadata"}`` → the updated detail (``null``
  clears a field; ``metadata`` replaces the stored one);
* ``GET …/logs/{id}/request`` and ``…/response`` → the stored bodies as they were sent, with
  their content types, no envelope (the reference types them as ``unknown``); 404 when the
  request had ``cf-aig-collect-log-payload: false`` (an emulator choice).

Auth as the REST chat route: ``Authorization: Bearer <token>`` (else 401 v4 10000), the account
in the path (else 404 v4 7003 "Could not route to …"). Unknown gateway or log id, and a log not
written yet → 404 ``{"success": false, "errors": [{"code": 7002, "message": "Not Found"}],
"result": {}}`` (chanfana's NotFoundException, the reference's example). Other methods on these
paths → 405 v4 7001 (``DELETE …/logs`` exists on Cloudflare but is not emulated).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import _wire_out
from ._log_query import check_list_query, check_patch, result_info, select
from ._log_store import LogEntry, LogStore, detail_view, list_view

NOT_FOUND = {"success": False, "errors": [{"code": 7002, "message": "Not Found"}], "result": {}}
BASE = "/client/v4/accounts/{account_id}/ai-gateway/gateways/{gateway_id}/logs"


class LogState(Protocol):
    account_id: str
    api_token: str
    gateways: tuple[str, ...]
    logs: LogStore


def _json(status: int, body: Any, media_type: str = "application/json") -> Response:
    headers = {"cf-ray": _wire_out.ray_id()}
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers=headers,
        media_type=media_type,
    )


def _ok(result: Any, **extra: Any) -> Response:
    return _json(200, {"result": result, **extra, "success": True, "errors": [], "messages": []})


def _invalid(issues: list[dict[str, Any]]) -> Response:
    return _json(400, {"errors": issues, "success": False, "result": {}})


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LogApi:
    def __init__(self, state: LogState) -> None:
        self.state = state

    def _denied(self, request: Request) -> Response | None:
        state = self.state
        if request.headers.get("authorization", "") != f"Bearer {state.api_token}":
            return _json(401, _wire_out.v4_error(10000, "Authentication error"))
        if request.path_params["account_id"] != state.account_id:
            message = (
                f"Could not route to {request.url.path}, perhaps your object identifier is invalid?"
            )
            return _json(404, _wire_out.v4_error(7003, message))
        if request.path_params["gateway_id"] not in state.gateways:
            return _json(404, NOT_FOUND)
        return None

    def _entry(self, request: Request) -> LogEntry | Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        params = request.path_params
        entry = self.state.logs.lookup(params["gateway_id"], params["log_id"])
        return entry if entry is not None else _json(404, NOT_FOUND)

    async def listing(self, request: Request) -> Response:
        if request.method != "GET":
            return _method_not_allowed(request)
        denied = self._denied(request)
        if denied is not None:
            return denied
        query, issues = check_list_query(dict(request.query_params))
        if issues:
            return _invalid(issues)
        selected = select(self.state.logs.listed(request.path_params["gateway_id"]), query)
        start = (query.page - 1) * query.per_page
        page = selected[start : start + query.per_page]
        return _ok(
            [list_view(entry) for entry in page], result_info=result_info(selected, page, query)
        )

    async def one(self, request: Request) -> Response:
        if request.method not in ("GET", "PATCH"):
            return _method_not_allowed(request)
        found = self._entry(request)
        if isinstance(found, Response):
            return found
        if request.method == "PATCH":
            raw = await request.body()
            try:
                body: Any = json.loads(raw) if raw.strip() else {}
            except ValueError:
                body = {}  # chanfana reads an unparsable body as {}
            changes, issues = check_patch(body)
            if issues:
                return _invalid(issues)
            self.state.logs.patch(found, changes)
        return _ok(detail_view(found))

    async def payload(self, request: Request) -> Response:
        if request.method != "GET":
            return _method_not_allowed(request)
        found = self._entry(request)
        if isinstance(found, Response):
            return found
        if request.url.path.endswith("/request"):
            text, media_type = found.request_body, found.request_content_type
        else:
            text, media_type = found.response_body, found.response_content_type
        if text is None:
            return _json(404, NOT_FOUND)
        return Response(text, headers={"cf-ray": _wire_out.ray_id()}, media_type=media_type)

    def routes(self) -> list[Route]:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return [
            Route(BASE, self.listing, methods=methods),
            Route(BASE + "/{log_id}", self.one, methods=methods),
            Route(BASE + "/{log_id}/request", self.payload, methods=methods),
            Route(BASE + "/{log_id}/response", self.payload, methods=methods),
        ]


def _method_not_allowed(request: Request) -> Response:
    message = f"{request.method} not supported for requested URI."
    return _json(405, _wire_out.v4_error(7001, message))


def log_routes(state: LogState) -> list[Route]:
    return LogApi(state).routes()
