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

from callgrind_chunks import mock_client
from callgrind_requests import PATHS
from callgrind_requests import run as run_calls

__all__ = ["PATHS", "run"]


def run(path: str, k: int) -> int:
    # The role chunk, one content chunk, finish, usage, [DONE]: one token per stream.
    return run_calls(path, k, method="first", http=mock_client(1))


if __name__ == "__main__":
    print(run(sys.argv[1], int(sys.argv[2])))
