"""``encrypted_content`` for reasoning items: opaque to clients, verifiable by the emulator.

OpenAI's value is a Fernet token (``gAAAAA…``) the client cannot read and must send back
unchanged. The emulator's is ``gAAAAA`` + base64url(JSON payload + HMAC-SHA256 over it) with a
secret drawn per emulator, so a token made by another emulator run, or altered by one
character, fails to verify; what verifies names the reasoning item the emulator produced.
The payload is not encrypted (nothing in it is secret), only authenticated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

PREFIX = "gAAAAA"
_MAC_SIZE = 32


class ReasoningSeal:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def __repr__(self) -> str:  # never shows the secret
        return "ReasoningSeal()"

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def seal(self, item_id: str, response_id: str, summary: str) -> str:
        payload = json.dumps(
            {"id": item_id, "response_id": response_id, "reasoning": summary},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return PREFIX + base64.urlsafe_b64encode(payload + self._mac(payload)).decode()

    def open(self, token: Any) -> dict[str, Any] | None:
        """The payload of a token this emulator sealed, or ``None`` (tampered or foreign)."""
        if not isinstance(token, str) or not token.startswith(PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode())
        except (binascii.Error, ValueError):
            return None
        if base64.urlsafe_b64encode(raw).decode() != token[len(PREFIX) :]:
            return None  # non-canonical spelling: a changed padding or alphabet character
        payload, mac = raw[:-_MAC_SIZE], raw[-_MAC_SIZE:]
        if len(raw) <= _MAC_SIZE or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        opened = json.loads(payload)
        return opened if isinstance(opened, dict) else None


def unverified_message(token: Any) -> str:
    """OpenAI's 400 text for content it cannot verify (observed: openai/codex#8145, #8119;
    the "Reason:" sentence appears in 2026 reports)."""
    text = str(token)
    shown = f"{text[:4]}...{text[-4:]}" if len(text) > 8 else text
    return (
        f"The encrypted content {shown} could not be verified. Reason: Encrypted content could "
        "not be decrypted or parsed."
    )
