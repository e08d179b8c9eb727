"""The `web:` key (SPEC §4): TLS, basic auth and headers from an exporter-toolkit web config file.

It is the file Go exporters and Prometheus take with `--web.config.file` and that `promtool
check web-config` checks, read with the same rules: unknown keys are errors, paths are
relative to the file's own folder, there is no `${VAR}` expansion, `basic_auth_users` holds
bcrypt hashes only. A few fields are accepted so that one file serves both, though Python's
TLS cannot honour them (docs/configuration.md says which): `http2`, `curve_preferences`, and
TLS 1.3 suites in `cipher_suites` (Go ignores those too).

Where Python cannot do what a field asks, the file is refused with the way out rather than
served differently: `RequireAnyClientCert` (a certificate nobody verifies) has no equivalent
in Python's TLS, and the verifying modes need `client_ca_file`. `RequestClientCert` is served
as `NoClientCert`: nothing here reads a certificate that is asked for but not checked.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from solar2prom.core.errors import ConfigError

if TYPE_CHECKING:
    from solar2prom.config import KeyPath, _Loader

# Go's names of the suites its TLS calls secure, with OpenSSL's names for the same suites.
# TLS 1.3 suites cannot be chosen, in Go as in Python: they are accepted and change nothing.
CIPHER_SUITES: dict[str, str | None] = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_AES_128_GCM_SHA256": None,
    "TLS_AES_256_GCM_SHA384": None,
    "TLS_CHACHA20_POLY1305_SHA256": None,
}
TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
# The only headers the toolkit lets a file set, with the values allowed where it fixes them.
HEADERS: dict[str, tuple[str, ...]] = {
    "Strict-Transport-Security": (),
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": (),
    "Content-Security-Policy": (),
}
_EXAMPLE = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
HASH_HELP = "store a bcrypt hash, never the password (htpasswd -nBC 10 \"\" | tr -d ':\\n')"
_BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")

TlsVersion = Literal["TLS10", "TLS11", "TLS12", "TLS13"]
Curve = Literal["CurveP256", "CurveP384", "CurveP521", "X25519"]
ClientAuth = Literal[
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "RequireClientCert",  # the toolkit's old name of RequireAnyClientCert
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
]
VERIFY_MODES: dict[str, ssl.VerifyMode] = {
    "NoClientCert": ssl.CERT_NONE,
    # Asked for but neither required nor checked: nothing here reads a client certificate,
    # so not asking gives every client the same answer.
    "RequestClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}


def _bcrypt_hash(value: object) -> object:
    """Go's bcrypt checks, in its words; the value is never repeated (it may be a password)."""
    if not isinstance(value, str) or len(value) < 59:
        raise ValueError(f"hashedSecret too short to be a bcrypted password: {HASH_HELP}")
    match = _BCRYPT.match(value)
    if match is None:
        raise ValueError(
            f"not a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters): {HASH_HELP}"
        )
    if not 4 <= int(match.group(1)) <= 31:
        raise ValueError("the bcrypt cost is outside the allowed range (4, 31)")
    return value


BcryptHash = Annotated[SecretStr, BeforeValidator(_bcrypt_hash)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _rebased(path: Path | None, folder: Path) -> Path | None:
    return path if path is None or path.is_absolute() else folder / path


class TlsServerConfig(_Strict):
    cert_file: Path | None = None
    key_file: Path | None = None
    client_auth_type: ClientAuth | None = None
    client_ca_file: Path | None = None
    cipher_suites: tuple[str, ...] = ()
    curve_preferences: tuple[Curve, ...] = ()
    min_version: TlsVersion = "TLS12"
    max_version: TlsVersion = "TLS13"
    prefer_server_cipher_suites: bool = True

    @field_validator("cipher_suites")
    @classmethod
    def _known_suites(cls, suites: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in suites if s not in CIPHER_SUITES]
        if unknown:
            raise ValueError(f"unknown cipher suite {unknown[0]} (Go's names, e.g. {_EXAMPLE})")
        return suites

    @model_validator(mode="after")
    def _consistent(self) -> TlsServerConfig:
        if not self.enabled:
            return self
        missing = [k for k in ("cert_file", "key_file") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"TLS needs cert_file and key_file; {' and '.join(missing)} missing")
        auth = self.client_auth_type or "NoClientCert"
        if auth in ("RequireAnyClientCert", "RequireClientCert"):
            raise ValueError(
                f"client_auth_type {auth} (a certificate nobody verifies) cannot be served by "
                "Python's TLS: use RequireAndVerifyClientCert and put the clients' certificates "
                "(self-signed ones too) or their CA into client_ca_file"
            )
        verifies = VERIFY_MODES[auth] != ssl.CERT_NONE
        if verifies and self.client_ca_file is None:
            raise ValueError(
                f"client_auth_type {auth} needs client_ca_file: the CA certificates that signed "
                "the clients' certificates"
            )
        if self.client_ca_file is not None and auth == "NoClientCert":
            raise ValueError("client_ca_file is set but client_auth_type asks for no certificate")
        if TLS_VERSIONS[self.min_version] > TLS_VERSIONS[self.max_version]:
            raise ValueError("min_version is newer than max_version")
        return self

    @property
    def enabled(self) -> bool:
        """TLS is on when any of these is set (the toolkit's rule); else plain HTTP."""
        return any(
            v is not None
            for v in (self.cert_file, self.key_file, self.client_ca_file, self.client_auth_type)
        )

    @property
    def verify_mode(self) -> ssl.VerifyMode:
        return VERIFY_MODES[self.client_auth_type or "NoClientCert"]

    @property
    def openssl_ciphers(self) -> str | None:
        """The TLS 1.2 suites in OpenSSL's words, None when the default stays."""
        names = [n for n in (CIPHER_SUITES[s] for s in self.cipher_suites) if n is not None]
        return ":".join(names) or None

    def relative_to(self, folder: Path) -> TlsServerConfig:
        return self.model_copy(
            update={
                "cert_file": _rebased(self.cert_file, folder),
                "key_file": _rebased(self.key_file, folder),
                "client_ca_file": _rebased(self.client_ca_file, folder),
            }
        )


class HttpServerConfig(_Strict):
    http2: bool = True  # accepted for compatibility: aiohttp serves HTTP/1.1
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers")
    @classmethod
    def _allowed_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if name not in HEADERS:
                raise ValueError(
                    f"HTTP header {name} can not be configured (only {', '.join(HEADERS)})"
                )
            allowed = HEADERS[name]
            if allowed and value not in allowed:
                raise ValueError(f"{name} must be one of: {', '.join(allowed)}")
            if "\r" in value or "\n" in value:
                raise ValueError(f"the value of {name} must be one line")
        return headers


class WebSettings(_Strict):
    """The web config file's contents."""

    tls_server_config: TlsServerConfig = TlsServerConfig()
    http_server_config: HttpServerConfig = HttpServerConfig()
    basic_auth_users: dict[str, BcryptHash] = Field(default_factory=dict)

    @field_validator("basic_auth_users")
    @classmethod
    def _user_names(cls, users: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name in users:
            if ":" in name:
                raise ValueError(f"user {name}: a basic auth user name cannot contain ':'")
        return users

    @property
    def tls(self) -> TlsServerConfig | None:
        tls = self.tls_server_config
        return tls if tls.enabled else None

    @property
    def ignored(self) -> tuple[str, ...]:
        """Fields set in the file that Python's TLS or aiohttp cannot honour, for the log."""
        notes = []
        tls = self.tls
        if tls is not None and tls.curve_preferences:
            notes.append("curve_preferences (Python cannot choose the curves; OpenSSL's apply)")
        if tls is not None and any(CIPHER_SUITES[s] is None for s in tls.cipher_suites):
            notes.append("TLS 1.3 cipher_suites (they cannot be chosen)")
        return tuple(notes)


class WebConfig(_Strict):
    """`web: {config_file: web.yml}` in the config file."""

    config_file: Path

    def relative_to(self, folder: Path) -> WebConfig:
        if self.config_file.is_absolute():
            return self
        return self.model_copy(update={"config_file": folder / self.config_file})

    def load(self) -> WebSettings:
        """Read and check the web config file and the TLS files it names."""
        return load_web_settings(self.config_file)


def load_web_settings(file: Path) -> WebSettings:
    """Read a web config file; raise `ConfigError` naming the file, line and key of each
    problem. The TLS files are loaded too, so a bad certificate stops the start, not the first
    scrape."""
    loader = _loader(file)
    node = loader.compose()
    data: Any = {} if node is None else loader.build(node, ())
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping (tls_server_config, basic_auth_users, ...)")
    settings: WebSettings | None = None
    if not loader.errors:
        try:
            settings = WebSettings.model_validate(data)
        except ValidationError as exc:
            loader.validation_errors(exc, (), data)
    if settings is None or loader.errors:
        raise ConfigError("\n".join(loader.errors))
    settings = settings.model_copy(
        update={"tls_server_config": settings.tls_server_config.relative_to(file.parent)}
    )
    if settings.tls is not None:
        try:
            server_context(settings.tls)
        except TlsFileError as exc:
            loader.error(("tls_server_config", exc.key), str(exc))
            raise ConfigError("\n".join(loader.errors)) from None
    return settings


def _loader(file: Path) -> _Loader:
    # config.py builds AppConfig from this module, so its loader is imported when a file is
    # read, not when this module is.
    from solar2prom.config import _Loader

    class WebLoader(_Loader):
        def expand(self, text: str, path: KeyPath) -> str:
            return text  # the toolkit's format has no ${VAR}: a file means the same everywhere

    return WebLoader(file, {})


class TlsFileError(ValueError):
    """A certificate, key or CA file that cannot be used; `key` names its field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _no_passphrase() -> bytes:
    raise TlsFileError("key_file", "the key is encrypted: give an unencrypted key (mode 0600)")


def server_context(tls: TlsServerConfig) -> ssl.SSLContext:
    """A server `SSLContext` from the files as they are now; `TlsFileError` when unusable."""
    assert tls.cert_file is not None and tls.key_file is not None  # checked by the model
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = TLS_VERSIONS[tls.min_version]
    context.maximum_version = TLS_VERSIONS[tls.max_version]
    if tls.prefer_server_cipher_suites:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    ciphers = tls.openssl_ciphers
    if ciphers is not None:
        context.set_ciphers(ciphers)
    for key in ("cert_file", "key_file", "client_ca_file"):
        path = getattr(tls, key)
        if path is not None:
            try:
                path.read_bytes()
            except OSError as exc:
                raise TlsFileError(key, f"cannot read {path}: {exc.strerror}") from exc
    try:
        context.load_cert_chain(tls.cert_file, tls.key_file, password=_no_passphrase)
    except OSError as exc:  # ssl.SSLError is one
        raise TlsFileError(
            "cert_file", f"{tls.cert_file} and {tls.key_file} are not a PEM certificate and "
            f"its private key ({_reason(exc)})"
        ) from exc  # fmt: skip
    context.verify_mode = tls.verify_mode
    if tls.client_ca_file is not None and context.verify_mode != ssl.CERT_NONE:
        try:
            context.load_verify_locations(cafile=tls.client_ca_file)
        except OSError as exc:
            raise TlsFileError(
                "client_ca_file", f"{tls.client_ca_file}: no PEM certificate ({_reason(exc)})"
            ) from exc
    return context


def _reason(exc: OSError) -> str:
    return str(getattr(exc, "reason", None) or exc.strerror or type(exc).__name__)
