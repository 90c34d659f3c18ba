"""How a framework adapter turns its constructor arguments into one `GatewayConfig`: written once.

Both adapters (LangChain's ``ChatGPT54Nano``, LlamaIndex's ``GPT54Nano``) call these two functions
from their constructors, so they agree on every rule:

- **Unknown keyword arguments are refused** (`refuse_unknown_arguments`) with the close matches:
  a misspelt ``api_tokn`` must never become a request body parameter or tracing metadata. Extra
  body parameters go through the adapter's explicit pass-through field instead.
- **Precedence** (`resolve_config`): the adapter's connection fields that were given explicitly
  win over a ready ``config``, which wins over the environment (`GatewayConfig.from_env`, read
  only when no ``config`` is given). The model is the explicit one, else the config's, else
  `DEFAULT_MODEL`; per-client gateway options are the config's with the explicit ones merged on
  top, field by field.
- **When**: at construction. Missing credentials raise `ConfigurationError` naming the
  environment variables before any request exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .catalog import DEFAULT_MODEL
from .config import GatewayConfig
from .errors import ConfigurationError
from .options import GatewayOptions

__all__ = ["CONNECTION_FIELDS", "refuse_unknown_arguments", "resolve_config"]

# The adapters' connection fields (same names in both) and the GatewayConfig fields each sets.
# ``timeout`` is the connect, read and stream-idle timeout at once, as in ChatOpenAI.
CONNECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id",),
    "api_key": ("api_token",),
    "gateway_id": ("gateway_id",),
    "base_url": ("base_url",),
    "endpoint": ("endpoint",),
    "timeout": ("connect_timeout", "read_timeout", "stream_idle_timeout"),
    "max_retries": ("max_retries",),
    "route_model": ("route_model",),  # the family behind model="dynamic/<route>" (model_rules)
}


def refuse_unknown_arguments(
    given: Iterable[str], known: Iterable[str], *, owner: str, hint: str | None = None
) -> None:
    """Raise `ConfigurationError` for the first names in ``given`` that are not in ``known``,
    listing the close matches of each (the message never holds a value, only names).
    ``hint`` replaces the closing advice (default: where constructor body parameters go)."""
    known_names = sorted(set(known))
    unknown = sorted(set(given) - set(known_names))
    if not unknown:
        return
    parts = []
    import difflib  # here, on the error path only: ~1.5 ms off the import

    for name in unknown:
        # "cloudflare_api_token" is "api_token" with the environment variable's prefix.
        bare = name.removeprefix("cloudflare_").removeprefix("cf_")
        close = difflib.get_close_matches(bare, known_names, n=3, cutoff=0.6)
        matches = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"{name!r}{matches}")
    raise ConfigurationError(
        f"{owner} got unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
        + (
            hint
            or "extra request body parameters go in model_kwargs (LangChain) / additional_kwargs "
            "(LlamaIndex)"
        )
    )


def resolve_config(
    *,
    config: GatewayConfig | None,
    explicit: Mapping[str, Any],
    model: str | None,
    options: GatewayOptions | None,
) -> GatewayConfig:
    """The one config an adapter sends with.

    ``explicit`` holds the adapter's `CONNECTION_FIELDS` that the caller set (not defaults),
    ``model`` the model the caller named (``None``: the config's, else the default), ``options``
    the per-client gateway options the caller gave. ``config`` is returned as is (the very
    object) when nothing explicit differs from it, so two adapters can share one config.
    """
    overrides: dict[str, Any] = {}
    for field, value in explicit.items():
        if value is None:
            continue
        for target in CONNECTION_FIELDS[field]:
            overrides[target] = value
    if config is None:
        overrides["model"] = model or DEFAULT_MODEL
        if options is not None:
            overrides["options"] = options
        return GatewayConfig.from_env(**overrides)
    if model is not None:
        overrides["model"] = model
    if options is not None:
        base = config.options
        overrides["options"] = base.merged(options) if base is not None else options
    changed = {key: value for key, value in overrides.items() if getattr(config, key) != value}
    if not changed:
        return config
    # Re-validated, not model_copy(update=): the URL is derived in a validator.
    return GatewayConfig(**{**dict(config), **changed})
