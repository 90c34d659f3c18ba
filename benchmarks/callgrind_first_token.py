#!/usr/bin/env python
"""K sequential one-token streams through one path, for ``valgrind --tool=callgrind``.

``python benchmarks/callgrind_first_token.py PATH K``. Each stream is the path's ``first``, as the
time-to-first-token benchmark runs it: the request, the headers, the role chunk and the first
content chunk; then the transport paths drop the stream, and the adapters and their floors read
its end (the finish and usage chunks, ``[DONE]``: `run.LangChainPath.first` says why). The answer
comes from ``callgrind_chunks``' ``httpx.MockTransport`` (one event per read, no sockets), so the
count is deterministic. ``run.py`` reports (I(large) − I(small)) / (large − small): the client's
instructions for one more stream to its first token, where wall and CPU times to the first token
differ by less than their noise. Paths as in ``callgrind_requests.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from callgrind_chunks import mock_client
from callgrind_requests import PATHS, PROMPT, path_object

__all__ = ["PATHS", "run"]


def run(path: str, k: int) -> int:
    http: httpx.Client = mock_client(1)  # the role chunk, one content chunk, finish, usage
    obj = path_object(path, http)
    obj.first(PROMPT)  # first use: model builds, caches (cancelled by the difference anyway)
    for _ in range(k):
        obj.first(PROMPT)
    return k


if __name__ == "__main__":
    print(run(sys.argv[1], int(sys.argv[2])))
