"""The credential vault's cryptography and key handling (R15, DESIGN "credentials").

A secret is sealed with AES-256-GCM under the current key, with its row name bound as
associated data, so a sealed value copied to another row does not open. Layout of a sealed
value: ``version (1) | key id (8) | nonce (12) | ciphertext + tag``. The key comes from
``CLOUDCTI_SECRET_KEY`` (32 random bytes, urlsafe base64) or from ``secret.key`` in the data
dir, created with mode 0600 on first start. A rotation in progress leaves ``secret.key.new``
beside it; both are loaded so every row opens whichever key sealed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets as _random
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cloudcti.store.errors import KeyFileError, SecretUnreadableError

__all__ = [
    "ENV_VAR",
    "KEY_FILE_NAME",
    "NEW_ENV_VAR",
    "KeyRing",
    "Secret",
    "SecretKey",
    "fsync_dir",
    "load_keyring",
    "pending_key_path",
    "read_key_file",
    "write_key_file",
]

ENV_VAR = "CLOUDCTI_SECRET_KEY"
NEW_ENV_VAR = "CLOUDCTI_NEW_SECRET_KEY"  # the target of ``admin rotate-key`` for env keys
KEY_FILE_NAME = "secret.key"

_VERSION = b"\x01"
_KEY_ID_LEN = 8
_NONCE_LEN = 12
_HEADER_LEN = 1 + _KEY_ID_LEN + _NONCE_LEN
_AAD_PREFIX = b"cloudcti/secret/v1\x00"


@dataclass(frozen=True, slots=True, repr=False)
class SecretKey:
    """A 256-bit key; its repr shows only the key id."""

    material: bytes

    def __post_init__(self) -> None:
        if len(self.material) != 32:
            raise KeyFileError("a secret key must be exactly 32 bytes")

    @classmethod
    def generate(cls) -> SecretKey:
        """A fresh random key."""
        return cls(_random.token_bytes(32))

    @classmethod
    def from_text(cls, text: str) -> SecretKey:
        """Parse the urlsafe-base64 form (padding optional); raises ``KeyFileError``."""
        cleaned = text.strip()
        try:
            material = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            raise KeyFileError("the secret key is not urlsafe base64") from None
        if len(material) != 32:
            raise KeyFileError(f"the secret key is {len(material)} bytes, not 32")
        return cls(material)

    def to_text(self) -> str:
        """The urlsafe-base64 form, as ``CLOUDCTI_SECRET_KEY`` and the key file hold it."""
        return base64.urlsafe_b64encode(self.material).decode("ascii")

    @property
    def key_id(self) -> bytes:
        """A short public name of the key (a hash prefix; reveals nothing usable)."""
        return hashlib.sha256(b"cloudcti/key-id\x00" + self.material).digest()[:_KEY_ID_LEN]

    def __repr__(self) -> str:
        return f"SecretKey(id={self.key_id.hex()})"


class Secret:
    """A decrypted secret. ``str``/``repr`` never show it; ``reveal()`` does, for the PBX."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The clear text. Call it only where the secret is sent to its destination."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


class KeyRing:
    """The current key, which seals, and older keys, which only open."""

    __slots__ = ("_by_id", "current")

    def __init__(self, current: SecretKey, *older: SecretKey) -> None:
        self.current = current
        self._by_id = {k.key_id: k for k in (*older, current)}

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current!r}, keys={len(self._by_id)})"

    def with_current(self, key: SecretKey) -> KeyRing:
        """A ring that seals with ``key`` and still opens everything this one opens."""
        return KeyRing(key, *self._by_id.values())

    def seal(self, name: str, plaintext: str) -> bytes:
        """Encrypt ``plaintext`` for the row ``name`` under the current key."""
        nonce = _random.token_bytes(_NONCE_LEN)
        ciphertext = AESGCM(self.current.material).encrypt(
            nonce, plaintext.encode("utf-8"), _aad(name)
        )
        return _VERSION + self.current.key_id + nonce + ciphertext

    def open(self, name: str, sealed: bytes) -> Secret:
        """Decrypt the value sealed for row ``name``; raises ``SecretUnreadableError`` otherwise."""
        if len(sealed) < _HEADER_LEN + 16 or sealed[:1] != _VERSION:
            raise SecretUnreadableError(f"secret {name!r} is not in a known format")
        key_id = sealed[1 : 1 + _KEY_ID_LEN]
        key = self._by_id.get(key_id)
        if key is None:
            raise SecretUnreadableError(
                f"secret {name!r} was sealed under key {key_id.hex()}, which is not loaded "
                f"(loaded: {', '.join(sorted(k.hex() for k in self._by_id))}); "
                f"is {ENV_VAR} or the key file the one this database was written with?"
            )
        nonce = sealed[1 + _KEY_ID_LEN : _HEADER_LEN]
        try:
            clear = AESGCM(key.material).decrypt(nonce, sealed[_HEADER_LEN:], _aad(name))
        except InvalidTag:
            raise SecretUnreadableError(
                f"secret {name!r} fails authentication: altered, or moved from another row"
            ) from None
        return Secret(clear.decode("utf-8"))

    @staticmethod
    def key_id_of(sealed: bytes) -> str:
        """The hex id of the key that sealed ``sealed``."""
        return sealed[1 : 1 + _KEY_ID_LEN].hex()


def _aad(name: str) -> bytes:
    return _AAD_PREFIX + name.encode("utf-8")


def pending_key_path(data_dir: Path) -> Path:
    """Where ``admin rotate-key`` keeps the new key until the database is re-encrypted."""
    return data_dir / (KEY_FILE_NAME + ".new")


def load_keyring(
    data_dir: Path, environ: Mapping[str, str] | None = None, *, create: bool = True
) -> KeyRing:
    """The key ring: ``CLOUDCTI_SECRET_KEY`` if set, else ``<data_dir>/secret.key``, created
    (mode 0600) when missing and ``create``; plus a pending rotation key if one is on disk."""
    env = os.environ if environ is None else environ
    pending = pending_key_path(data_dir)
    older = (read_key_file(pending),) if pending.exists() else ()
    text = env.get(ENV_VAR)
    if text:
        return KeyRing(SecretKey.from_text(text), *older)
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        if not create:
            raise KeyFileError(f"no secret key: set {ENV_VAR} or create {path}")
        data_dir.mkdir(parents=True, exist_ok=True)
        key = SecretKey.generate()
        write_key_file(path, key)
        return KeyRing(key, *older)
    return KeyRing(read_key_file(path), *older)


def write_key_file(path: Path, key: SecretKey) -> None:
    """Create ``path`` holding ``key`` with mode 0600, durably; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may have cleared bits, never added: make it exact
        os.write(fd, (key.to_text() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def read_key_file(path: Path) -> SecretKey:
    """The key in ``path``; ``KeyFileError`` if unreadable, malformed or not mode 0600-like."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"{path} is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
                f"run: chmod 600 {path}"
            )
        return SecretKey.from_text(path.read_text("ascii"))
    except OSError as error:
        raise KeyFileError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} does not hold a urlsafe-base64 key") from None


def fsync_dir(directory: Path) -> None:
    """Make a rename or file creation in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
