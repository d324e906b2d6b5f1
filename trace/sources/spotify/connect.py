"""Connecting to Spotify: the app's settings, the Authorization Code flow, the token.

Settings come from the environment or from ``.streamlit/secrets.toml`` (section
``[spotify]``; the project's own, beside ``streamlit_app.py``, wins over one in the
folder TRACE was started from, which wins over ``~/.streamlit/secrets.toml``), the
environment winning over all:

======================  ============================  ===================================
environment             secrets.toml ``[spotify]``    meaning
======================  ============================  ===================================
SPOTIFY_CLIENT_ID       client_id                     the app's client id (required)
SPOTIFY_CLIENT_SECRET   client_secret                 its secret; without it, PKCE
SPOTIFY_REDIRECT_URI    redirect_uri                  default ``http://127.0.0.1:8501/``
TRACE_SPOTIFY_API_URL   api_url                       default ``https://api.spotify.com/v1/``
TRACE_SPOTIFY_ACCOUNTS_URL  accounts_url              default ``https://accounts.spotify.com/``
======================  ============================  ===================================

The token lives in ``<TRACE home>/spotify-token.json``, readable by its owner only (mode
0600), written atomically, and is refreshed by spotipy when it expires. Between showing
the "connect" link and Spotify sending the person back, the flow's ``state`` (and, for
PKCE, the code verifier) waits in ``spotify-pending.json``, also 0600. No token, secret
or verifier is ever put into a message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import spotipy
from spotipy.cache_handler import CacheHandler
from spotipy.oauth2 import SpotifyOAuth, SpotifyOauthError, SpotifyPKCE

from trace import config
from trace.errors import TraceError

REDIRECT_URI = "http://127.0.0.1:8501/"
API_URL = "https://api.spotify.com/v1/"
ACCOUNTS_URL = "https://accounts.spotify.com/"
SCOPES = (
    "user-library-read",
    "user-read-recently-played",
    "user-top-read",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
)
TOKEN_FILE = "spotify-token.json"
PENDING_FILE = "spotify-pending.json"
TIMEOUT_S = 20

# Quiet unless the command line asked for --verbose before (see config.library_logs).
if logging.getLogger("spotipy").level == logging.NOTSET:
    config.library_logs(verbose=False)


class SpotifyError(TraceError):
    """Spotify could not be reached, refused, or is not set up; the message says which."""


class NotConnectedError(SpotifyError):
    """There is no Spotify token: the person has to connect first."""


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str | None
    client_secret: str | None
    redirect_uri: str = REDIRECT_URI
    api_url: str = API_URL
    accounts_url: str = ACCOUNTS_URL
    home: Path | None = None

    @property
    def configured(self) -> bool:
        return bool(self.client_id)

    @property
    def pkce(self) -> bool:
        return not self.client_secret

    @property
    def folder(self) -> Path:
        return self.home or config.home()

    @property
    def token_path(self) -> Path:
        return self.folder / TOKEN_FILE

    def __repr__(self) -> str:  # the secret never appears, not even in a traceback
        secret = "set" if self.client_secret else "none"
        return (
            f"SpotifyConfig(client_id={self.client_id!r}, secret={secret}, "
            f"redirect_uri={self.redirect_uri!r}, api_url={self.api_url!r})"
        )


PROJECT_SECRETS = Path(__file__).resolve().parents[3] / ".streamlit" / "secrets.toml"
"""The project's own secrets, found by the app's path (beside ``streamlit_app.py``)."""


def _secrets_files() -> list[Path]:
    """Where Streamlit 1.67 looks for secrets, the one that wins first: the app's folder,
    the folder it was started from, the user's."""
    return [
        PROJECT_SECRETS,
        Path.cwd() / ".streamlit" / "secrets.toml",
        Path.home() / ".streamlit" / "secrets.toml",
    ]


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def load_config(*, home: Path | None = None) -> SpotifyConfig:
    """The Spotify settings from the environment and ``secrets.toml``; see the docstring."""
    section: dict[str, str] = {}
    for path in reversed(_secrets_files()):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SpotifyError(f"{path} cannot be read as TOML: {error}") from error
        section.update({k: str(v) for k, v in dict(data.get("spotify", {})).items()})

    def get(env: str, key: str, default: str | None = None) -> str | None:
        return os.environ.get(env) or section.get(key) or default

    return SpotifyConfig(
        client_id=get("SPOTIFY_CLIENT_ID", "client_id"),
        client_secret=get("SPOTIFY_CLIENT_SECRET", "client_secret"),
        redirect_uri=get("SPOTIFY_REDIRECT_URI", "redirect_uri", REDIRECT_URI) or REDIRECT_URI,
        api_url=_with_slash(get("TRACE_SPOTIFY_API_URL", "api_url", API_URL) or API_URL),
        accounts_url=_with_slash(
            get("TRACE_SPOTIFY_ACCOUNTS_URL", "accounts_url", ACCOUNTS_URL) or ACCOUNTS_URL
        ),
        home=home,
    )


def _write_private(path: Path, data: dict) -> None:
    """Write JSON readable by the owner only (0600 from the start), atomically and durably.

    The temporary file has a unique name (``mkstemp``), so two sessions refreshing the
    token at once each write their own and the last rename wins whole; file and folder
    are fsynced, so a crash leaves the old token or the new one, never an empty file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows opening folders)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class TokenFileError(SpotifyError):
    """The token file exists but cannot be used; the message says what is wrong with it."""


def _read_json(path: Path) -> dict | None:
    """The JSON object in ``path``; ``None`` when there is no file.

    Raises
    ------
    TokenFileError
        The file is there but unreadable, not JSON, or not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise TokenFileError(
            f"{path} cannot be read ({error.strerror}); check its owner and permissions, or "
            "delete it and connect again."
        ) from None
    except UnicodeDecodeError:
        text = ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TokenFileError(
            f"{path} is damaged (not a JSON object, {len(text)} characters); delete it "
            "and connect Spotify again."
        )
    return data


class TokenFile(CacheHandler):
    """spotipy's token cache as a private file in the TRACE home."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_cached_token(self) -> dict | None:
        return _read_json(self.path)  # a damaged file raises, saying what is wrong

    def save_token_to_cache(self, token_info: dict) -> None:
        _write_private(self.path, token_info)


class _NoPrompt:
    """spotipy asks on the terminal for a code when it has no token; TRACE never does."""

    def get_auth_response(self, *args, **kwargs):
        raise NotConnectedError("Spotify is not connected: connect on the Sources page first.")

    _get_auth_response = get_auth_response
    get_authorization_code = get_auth_response


class _OAuth(_NoPrompt, SpotifyOAuth):
    pass


class _PKCE(_NoPrompt, SpotifyPKCE):
    pass


def auth_manager(settings: SpotifyConfig, session=None) -> SpotifyOAuth | SpotifyPKCE:
    """spotipy's auth manager for these settings, its URLs pointed at the accounts service."""
    if not settings.configured:
        raise SpotifyError(
            "Spotify is not set up: put your app's client id in SPOTIFY_CLIENT_ID or in "
            ".streamlit/secrets.toml (see the README, 'Spotify setup')."
        )
    common = dict(
        client_id=settings.client_id,
        redirect_uri=settings.redirect_uri,
        scope=" ".join(SCOPES),
        cache_handler=TokenFile(settings.token_path),
        open_browser=False,
        requests_timeout=TIMEOUT_S,
        requests_session=session if session is not None else True,
    )
    manager = (
        _PKCE(**common) if settings.pkce else _OAuth(client_secret=settings.client_secret, **common)
    )
    manager.OAUTH_AUTHORIZE_URL = settings.accounts_url + "authorize"
    manager.OAUTH_TOKEN_URL = settings.accounts_url + "api/token"
    return manager


def authorize_url(settings: SpotifyConfig) -> str:
    """The address that asks the person to let TRACE in; remembers the flow's state."""
    manager = auth_manager(settings)
    state = secrets.token_urlsafe(16)
    pending = {"state": state}
    if settings.pkce:
        manager.get_pkce_handshake_parameters()
        pending["code_verifier"] = manager.code_verifier
    _write_private(settings.folder / PENDING_FILE, pending)
    return manager.get_authorize_url(state=state)


def finish_connect(settings: SpotifyConfig, redirected: str) -> None:
    """Trade the code Spotify sent back (the whole address, or its query) for a token."""
    query = urlparse(redirected).query if "?" in redirected else redirected.lstrip("?")
    values = {k: v[0] for k, v in parse_qs(query).items()}
    if "error" in values:
        raise SpotifyError(f"Spotify did not connect: {values['error']}.")
    try:
        pending = _read_json(settings.folder / PENDING_FILE) or {}
    except TokenFileError:
        pending = {}  # a damaged half-done connect: start again, as the message says
    if not values.get("code"):
        raise SpotifyError("That address has no code from Spotify in it.")
    if not pending or values.get("state") != pending.get("state"):
        raise SpotifyError(
            "That answer from Spotify does not belong to the last 'connect' started here; "
            "start connecting again."
        )
    manager = auth_manager(settings)
    try:
        if settings.pkce:
            # The verifier made when the link was shown (another process, maybe). spotipy
            # sends ``code_verifier`` as it is when both attributes are set
            # (tests/test_spotify.py pins this).
            manager.code_verifier = pending.get("code_verifier")
            manager.code_challenge = pkce_challenge(manager.code_verifier or "")
            manager.get_access_token(values["code"], check_cache=False)
        else:
            manager.get_access_token(values["code"], as_dict=False, check_cache=False)
    except SpotifyOauthError as error:
        raise SpotifyError(f"Spotify refused the connection: {oauth_reason(error)}") from None
    except OSError as error:
        raise SpotifyError(f"Spotify's accounts service cannot be reached: {error}") from None
    (settings.folder / PENDING_FILE).unlink(missing_ok=True)


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier (RFC 7636, section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def oauth_reason(error: SpotifyOauthError) -> str:
    return str(
        getattr(error, "error_description", None)
        or getattr(error, "error", None)
        or "no reason given"
    )


def connected(settings: SpotifyConfig) -> bool:
    """Whether a token is stored. A damaged or unreadable token file raises
    :class:`TokenFileError` saying what is wrong, rather than passing for "not connected"."""
    token = _read_json(settings.token_path)
    return bool(token) and bool(token.get("refresh_token") or token.get("access_token"))


def disconnect(settings: SpotifyConfig) -> bool:
    """Forget the token (and any half-done connect); whether there was one."""
    (settings.folder / PENDING_FILE).unlink(missing_ok=True)
    try:
        settings.token_path.unlink()
    except FileNotFoundError:
        return False
    return True


def spotify_api(settings: SpotifyConfig) -> spotipy.Spotify:
    """A spotipy client on the API base URL, without spotipy's own retries and sleeps.

    Retries are decided by :class:`trace.sources.spotify.client.Client`, which tells the person
    what it waits for; spotipy's default would sleep silently on any ``Retry-After``.
    """
    if not connected(settings):
        raise NotConnectedError("Spotify is not connected: connect on the Sources page first.")
    import requests

    api = spotipy.Spotify(
        auth_manager=auth_manager(settings),
        requests_session=requests.Session(),  # a bare session: no urllib3 retries
        requests_timeout=TIMEOUT_S,
        retries=0,
        status_retries=0,
    )
    api.prefix = settings.api_url
    return api
