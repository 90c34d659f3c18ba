"""Understanding the ``base_url`` users paste: pure code.

Cloudflare's docs hand out full URLs, not API roots: the OpenAI-SDK ``base_url``
``https://api.cloudflare.com/client/v4/accounts/<acct>/ai/v1`` and the AI Gateway one
``https://gateway.ai.cloudflare.com/v1/<acct>/<gw>/compat``, each often copied with
``/chat/completions`` on the end. `read_pasted_url` splits such a URL into the API root and the
account / gateway / endpoint it names, so `GatewayConfig` does not append the account path a
second time (which answers 404). Any host works the same, so an emulator's URL
(``http://127.0.0.1:PORT/client/v4/accounts/acct-emulator/ai/v1``) is understood too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .errors import ConfigurationError

__all__ = ["PastedURL", "apply_pasted_url", "read_pasted_url"]

_SEGMENT = r"[^/]+"
_REST = re.compile(rf"^(?P<root>.*/client/v4)/accounts/(?P<account>{_SEGMENT})/ai/v1$")
_GATEWAY = re.compile(rf"^(?P<root>.*/v1)/(?P<account>{_SEGMENT})/(?P<gateway>{_SEGMENT})/compat$")


@dataclass(frozen=True)
class PastedURL:
    """What a full endpoint URL says: the API root to keep and the ids it carries."""

    root: str
    endpoint: Literal["rest", "gateway"]
    account_id: str
    gateway_id: str | None = None


def read_pasted_url(url: str) -> PastedURL | None:
    """The parts of a full Workers AI / AI Gateway endpoint URL, or ``None`` for an API root."""
    trimmed = url.rstrip("/")
    trimmed = trimmed.removesuffix("/chat/completions")
    if (rest := _REST.match(trimmed)) is not None:
        return PastedURL(rest["root"], "rest", rest["account"])
    if (gateway := _GATEWAY.match(trimmed)) is not None:
        return PastedURL(gateway["root"], "gateway", gateway["account"], gateway["gateway"])
    return None


def apply_pasted_url(values: dict[str, Any]) -> None:
    """Rewrites ``values["base_url"]`` to its API root and fills ``account_id``, ``gateway_id``
    and ``endpoint`` from it; an explicit value that disagrees with the URL is refused."""
    url = values.get("base_url")
    if not isinstance(url, str) or "://" not in url:
        return  # not a URL at all: the base_url validator says what is wrong with it
    pasted = read_pasted_url(url)
    if pasted is None:
        return
    named = {"account_id": pasted.account_id, "endpoint": pasted.endpoint}
    if pasted.gateway_id is not None:
        named["gateway_id"] = pasted.gateway_id
    for key, from_url in named.items():
        given = values.get(key)
        if given is not None and given != from_url:
            raise ConfigurationError(
                f"base_url names {key} {from_url!r} but {key}={given!r} was given: drop one, "
                f"or pass the API root ({pasted.root}) as base_url"
            )
        values[key] = from_url
    values["base_url"] = pasted.root
