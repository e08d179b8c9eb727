"""The OpenAPI request signature (manual V1.2 and later): HMAC of a few request facts.

String to sign: `<timestamp>/<nonce>/<appId>/<last path segment>/<METHOD>/<signature method>`,
signed with the App Secret and Base64-encoded; sent with the facts in `X-CA-*` headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

DIGESTS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}


def request_path(path: str) -> str:
    """The part of the path the signature covers: its last segment, without the query."""
    return path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def string_to_sign(
    timestamp: str, nonce: str, app_id: str, path: str, method: str, signature_method: str
) -> str:
    return "/".join(
        (timestamp, nonce, app_id, request_path(path), method.upper(), signature_method)
    )


def sign(secret: str, message: str, signature_method: str) -> str:
    mac = hmac.new(secret.encode(), message.encode(), DIGESTS[signature_method])
    return base64.b64encode(mac.digest()).decode()


def signed_headers(
    app_id: str,
    secret: str,
    path: str,
    *,
    timestamp_ms: int,
    nonce: str,
    method: str = "GET",
    signature_method: str = "HmacSHA256",
) -> dict[str, str]:
    timestamp = str(timestamp_ms)
    message = string_to_sign(timestamp, nonce, app_id, path, method, signature_method)
    return {
        "X-CA-AppId": app_id,
        "X-CA-Timestamp": timestamp,
        "X-CA-Nonce": nonce,
        "X-CA-Signature-Method": signature_method,
        "X-CA-Signature": sign(secret, message, signature_method),
    }
