"""The HTTP surface: Starlette app, routes, auth, faults, cf-aig-* headers, cache, ASGI I/O.

Everything here is Cloudflare's side of the wire; the replies themselves come from ``..model``.
"""

from __future__ import annotations

from ._app import EmulatorState, RecordedRequest, build_app
from ._faults import Fault, FaultPlan
from ._server import Emulator

__all__ = ["Emulator", "EmulatorState", "Fault", "FaultPlan", "RecordedRequest", "build_app"]
