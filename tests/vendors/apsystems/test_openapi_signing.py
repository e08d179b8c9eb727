"""The OpenAPI request signature against the reference's test vector."""

from __future__ import annotations

import pytest

from solar2prom.sources.apsystems.openapi.signing import (
    request_path,
    sign,
    signed_headers,
    string_to_sign,
)

PATH = "/user/api/v2/systems/details/ABC123"
TIMESTAMP, NONCE, APP_ID, SECRET = (
    "1696665600000",
    "aabbccdd11223344aabbccdd11223344",
    "myappid",
    "secret123456",
)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("HmacSHA256", "UirBgIlLruu2IPQGae0Y/BLSPKPepa4QOKsJIK/ExDw="),
        ("HmacSHA1", "KBhhvAhAn5RWA5W1e4wwThWsoww="),
    ],
)
def test_the_reference_vector(method: str, expected: str) -> None:
    message = string_to_sign(TIMESTAMP, NONCE, APP_ID, PATH, "get", method)
    assert message == f"{TIMESTAMP}/{NONCE}/{APP_ID}/ABC123/GET/{method}"
    assert sign(SECRET, message, method) == expected


def test_the_headers_carry_the_signed_facts() -> None:
    headers = signed_headers(APP_ID, SECRET, PATH, timestamp_ms=int(TIMESTAMP), nonce=NONCE)
    assert headers == {
        "X-CA-AppId": APP_ID,
        "X-CA-Timestamp": TIMESTAMP,
        "X-CA-Nonce": NONCE,
        "X-CA-Signature-Method": "HmacSHA256",
        "X-CA-Signature": "UirBgIlLruu2IPQGae0Y/BLSPKPepa4QOKsJIK/ExDw=",
    }
    assert SECRET not in "".join(headers.values())


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("/user/api/v2/systems/SID1/devices/ecu/energy/216300000002", "216300000002"),
        ("/user/api/v2/systems/summary/SID1?x=1", "SID1"),
        ("/user/api/v2/systems/details/SID1/", "SID1"),
    ],
)
def test_only_the_last_path_segment_is_signed(path: str, segment: str) -> None:
    assert request_path(path) == segment
