"""The web config file (exporter-toolkit format): what it accepts, what it refuses and how it
says so, and the basic auth check built from it."""

from __future__ import annotations

import base64
import subprocess
import textwrap
from pathlib import Path

import bcrypt
import pytest

from solar2prom.core.errors import ConfigError
from solar2prom.outputs.web_config import (
    CIPHER_SUITES,
    WebConfig,
    load_web_settings,
    server_context,
)
from solar2prom.outputs.web_security import BasicAuth
from tests.conftest import require_program
from tests.integration.certs import Pki, make_pki

PASSWORD = "correct horse battery staple"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def write(folder: Path, text: str) -> Path:
    path = folder / "web.yml"
    path.write_text(textwrap.dedent(text))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ConfigError) as error:
        load_web_settings(path)
    return str(error.value)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_toolkit_example_loads_with_paths_relative_to_the_file(
    tmp_path: Path, pki: Pki
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    for src in (pki.server_cert, pki.server_key, pki.ca):
        (folder / src.name).write_bytes(src.read_bytes())
    write(
        folder,
        f"""\
        tls_server_config:
          cert_file: {pki.server_cert.name}
          key_file: {pki.server_key.name}
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: {pki.ca.name}
          min_version: TLS12
          max_version: TLS13
          cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
          curve_preferences: [X25519, CurveP256]
          prefer_server_cipher_suites: true
        http_server_config:
          http2: true
          headers:
            X-Frame-Options: deny
            X-Content-Type-Options: nosniff
            Strict-Transport-Security: max-age=31536000
        basic_auth_users:
          prom: "{HASH}"
        """,
    )
    settings = WebConfig(config_file=Path("web.yml")).relative_to(folder).load()
    tls = settings.tls
    assert tls is not None
    assert tls.cert_file == folder / pki.server_cert.name
    assert tls.client_ca_file == folder / pki.ca.name
    assert tls.openssl_ciphers == CIPHER_SUITES["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
    assert settings.basic_auth_users["prom"].get_secret_value() == HASH
    assert HASH not in repr(settings)
    assert settings.ignored == (
        "curve_preferences (Python cannot choose the curves; OpenSSL's apply)",
        "TLS 1.3 cipher_suites (they cannot be chosen)",
    )


def test_an_empty_file_or_one_without_tls_fields_serves_plain_http(tmp_path: Path) -> None:
    assert load_web_settings(write(tmp_path, "")).tls is None
    settings = load_web_settings(
        write(tmp_path, "tls_server_config: {min_version: TLS13}\nbasic_auth_users: {}\n")
    )
    assert settings.tls is None
    assert settings.basic_auth_users == {}


def test_a_plaintext_password_is_refused_naming_the_user_never_the_password(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"basic_auth_users:\n  prom: '{HASH}'\n  grafana: {PASSWORD}\n")
    message = refusal(path)
    assert message.startswith(f"{path}:3: basic_auth_users.grafana: hashedSecret too short")
    assert "htpasswd -nBC 10" in message
    assert PASSWORD not in message
    assert "prom" not in message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("null", "hashedSecret too short"),
        ("'" + "$3y$10$" + HASH[7:] + "'", "not a bcrypt hash"),
        ("'" + "x2y$10$" + HASH[7:] + "'", "not a bcrypt hash"),
        ("'" + "$2y$03$" + HASH[7:] + "'", "cost is outside the allowed range (4, 31)"),
        ("'" + HASH[:-1] + "!'", "not a bcrypt hash"),
    ],
)
def test_what_is_not_a_bcrypt_hash(tmp_path: Path, value: str, words: str) -> None:
    message = refusal(write(tmp_path, f"basic_auth_users:\n  prom: {value}\n"))
    assert "basic_auth_users.prom: " in message
    assert words in message
    assert HASH[8:] not in message


def test_a_user_name_with_a_colon_could_never_log_in(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, f"basic_auth_users:\n  'a:b': '{HASH}'\n"))
    assert "a basic auth user name cannot contain ':'" in message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("rate_limit: {burst: 1}\n", ":1: rate_limit: unknown key"),
        (
            "tls_server_config:\n  cert_file: a.pem\n  client_allowed_sans: [x]\n",
            ":3: tls_server_config.client_allowed_sans: unknown key",
        ),
        ("http_server_config:\n  http3: true\n", ":2: http_server_config.http3: unknown key"),
    ],
)
def test_unknown_keys_are_errors_with_their_line(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, text)
    assert f"{path}{where}" in refusal(path)


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ("{X-Custom: a}", "HTTP header X-Custom can not be configured"),
        ("{x-frame-options: deny}", "HTTP header x-frame-options can not be configured"),
        ("{X-Frame-Options: allow}", "X-Frame-Options must be one of: deny, sameorigin"),
        ("{X-Content-Type-Options: sniff}", "X-Content-Type-Options must be one of: nosniff"),
        ('{Content-Security-Policy: "a\\nb"}', "the value of Content-Security-Policy must be"),
    ],
)
def test_only_the_toolkit_headers_with_their_values(
    tmp_path: Path, headers: str, words: str
) -> None:
    path = write(tmp_path, f"http_server_config:\n  headers: {headers}\n")
    assert f"{path}:2: http_server_config.headers: {words}" in refusal(path)


@pytest.mark.parametrize(
    ("tls", "words"),
    [
        ("{cert_file: s.pem}", "TLS needs cert_file and key_file; key_file missing"),
        ("{client_auth_type: NoClientCert}", "cert_file and key_file missing"),
        (
            "{cert_file: s.pem, key_file: s.key, client_ca_file: ca.pem}",
            "client_ca_file is set but client_auth_type asks for no certificate",
        ),
        (
            "{cert_file: s.pem, key_file: s.key, client_auth_type: RequireAndVerifyClientCert}",
            "client_auth_type RequireAndVerifyClientCert needs client_ca_file",
        ),
        (
            "{cert_file: s.pem, key_file: s.key, client_auth_type: VerifyClientCertIfGiven}",
            "client_auth_type VerifyClientCertIfGiven needs client_ca_file",
        ),
        (
            "{cert_file: s.pem, key_file: s.key, client_auth_type: RequireAnyClientCert}",
            "use RequireAndVerifyClientCert and put the clients' certificates",
        ),
        (
            "{cert_file: s.pem, key_file: s.key, client_auth_type: RequireClientCert}",
            "cannot be served by Python's TLS",
        ),
        ("{cert_file: s.pem, key_file: s.key, client_auth_type: Bogus}", "Input should be"),
        (
            "{cert_file: s.pem, key_file: s.key, min_version: TLS13, max_version: TLS12}",
            "min_version is newer than max_version",
        ),
        ("{cert_file: s.pem, key_file: s.key, min_version: TLS14}", "Input should be 'TLS10'"),
        (
            "{cert_file: s.pem, key_file: s.key, cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]}",
            "unknown cipher suite TLS_RSA_WITH_RC4_128_SHA",
        ),
        ("{cert_file: s.pem, key_file: s.key, curve_preferences: [P-256]}", "Input should be"),
    ],
)
def test_tls_settings_that_cannot_work_are_refused(tmp_path: Path, tls: str, words: str) -> None:
    path = write(tmp_path, f"tls_server_config: {tls}\n")
    message = refusal(path)
    assert f"{path}:1: tls_server_config" in message
    assert words in message


def test_tls_files_are_loaded_when_the_file_is_read(tmp_path: Path, pki: Pki) -> None:
    cert, key, ca = pki.server_cert, pki.server_key, pki.ca
    missing = write(tmp_path, f"tls_server_config:\n  cert_file: nope.pem\n  key_file: {key}\n")
    assert (
        f"{missing}:2: tls_server_config.cert_file: cannot read {tmp_path / 'nope.pem'}: "
        "No such file or directory" in refusal(missing)
    )
    pair = f"cert_file: {cert}\n  key_file: {pki.client_key}"
    mismatch = write(tmp_path, f"tls_server_config:\n  {pair}\n")
    assert "are not a PEM certificate and its private key" in refusal(mismatch)
    not_a_ca = write(
        tmp_path,
        f"""\
        tls_server_config:
          cert_file: {cert}
          key_file: {key}
          client_auth_type: VerifyClientCertIfGiven
          client_ca_file: {key}
        """,
    )
    assert f"{not_a_ca}:5: tls_server_config.client_ca_file: {key}: no PEM certificate" in (
        refusal(not_a_ca)
    )
    good = write(tmp_path, f"tls_server_config: {{cert_file: {cert}, key_file: {key}}}\n")
    tls = load_web_settings(good).tls
    assert tls is not None
    context = server_context(tls)
    assert context.minimum_version.name == "TLSv1_2"
    assert ca.exists()


def test_an_encrypted_key_is_refused_without_asking_for_a_passphrase(
    tmp_path: Path, pki: Pki
) -> None:
    openssl = require_program("openssl")
    encrypted = tmp_path / "encrypted.key"
    subprocess.run(
        [openssl, "pkey", "-in", str(pki.server_key), "-aes256", "-passout", "pass:secret",
         "-out", str(encrypted)],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    path = write(
        tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {encrypted}\n"
    )
    assert "tls_server_config.key_file: the key is encrypted" in refusal(path)


def test_yaml_problems_name_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "basic_auth_users:\n  prom: [\n")
    assert refusal(bad).startswith(f"{bad}:3: ")
    assert "expected a mapping" in refusal(write(tmp_path, "- a\n"))
    assert "cannot read" in refusal(tmp_path / "absent.yml")
    duplicate = write(tmp_path, f"basic_auth_users:\n  a: '{HASH}'\n  a: '{HASH}'\n")
    assert f"{duplicate}:3: basic_auth_users.a: duplicate key" in refusal(duplicate)


def test_nothing_is_expanded_the_file_means_what_it_says(tmp_path: Path) -> None:
    path = write(tmp_path, "tls_server_config: {cert_file: '${HOME}/c.pem', key_file: k}\n")
    assert f"cannot read {tmp_path}/${{HOME}}/c.pem" in refusal(path)


# --- basic auth ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (basic("prom", PASSWORD), True),
        (basic("prom", PASSWORD + "x"), False),
        (basic("nobody", PASSWORD), False),
        (basic("prom", ""), False),
        (basic("prom", "x" * 100), False),
        (basic("prom", "a\x00b"), False),
        ("basic " + basic("prom", PASSWORD).split()[1], True),
        (None, False),
        ("", False),
        ("Bearer " + PASSWORD, False),
        ("Basic", False),
        ("Basic !!!", False),
        ("Basic " + base64.b64encode(b"no colon").decode(), False),
    ],
)
async def test_basic_auth_checks(header: str | None, allowed: bool) -> None:
    assert await BasicAuth({"prom": HASH}).allowed(header) is allowed


async def test_a_success_is_remembered_for_a_while_under_a_keyed_hash() -> None:
    clock = Clock()
    auth = BasicAuth({"prom": HASH}, now=clock, ttl=300.0)
    assert await auth.allowed(basic("prom", PASSWORD))
    assert not await auth.allowed(basic("prom", "wrong"))
    remembered = list(auth._grants)
    assert len(remembered) == 1
    assert PASSWORD.encode() not in remembered[0]
    assert remembered[0] != PASSWORD.encode()
    clock.t = 299.0
    assert await auth.allowed(basic("prom", PASSWORD))
    assert list(auth._grants.values()) == [300.0]  # a cache hit does not extend the grant
    clock.t = 301.0
    assert await auth.allowed(basic("prom", PASSWORD))
    assert list(auth._grants.values()) == [601.0]


async def test_remembered_grants_are_bounded() -> None:
    clock = Clock()
    users = {f"u{i}": HASH for i in range(300)}
    auth = BasicAuth(users, now=clock)
    for i in range(300):
        assert await auth.allowed(basic(f"u{i}", PASSWORD))
    assert len(auth._grants) == 256
