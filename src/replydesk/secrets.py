"""Credentials: the environment first, then the OS keyring. Never in config, logs or the DB.

``REPLYDESK_SECRET_<NAME>`` (upper case, other characters as ``_``) overrides the keyring,
which is how a headless SSH box without a keyring daemon works. Every value handed out is
remembered so that ``redact()`` can scrub it from any message before it is shown or stored.
"""

from __future__ import annotations

import os
import re

from replydesk.domain.errors import SecretError
from replydesk.domain.redact import remember

SERVICE = "replydesk"
__all__ = ["SecretError", "env_name", "get", "set"]


def env_name(name: str) -> str:
    return "REPLYDESK_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _no_backend(name: str, detail: str) -> SecretError:
    return SecretError(
        f"cannot reach a keyring for secret {name!r} ({detail}). This is usual over SSH "
        f"without a desktop session. Either set {env_name(name)} in the environment, or use "
        "a file-backed keyring: pip install keyrings.alt and export "
        "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring"
    )


def get(name: str) -> str:
    value = os.environ.get(env_name(name))
    if not value:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        try:
            value = keyring.get_password(SERVICE, name)
        except NoKeyringError as exc:
            raise _no_backend(name, str(exc) or "no backend") from None
        except (KeyringError, RuntimeError, OSError) as exc:
            raise _no_backend(name, type(exc).__name__) from None
        if not value:
            raise SecretError(
                f"secret {name!r} is not set: run `replydesk secret set {name}` "
                f"or set {env_name(name)}"
            )
    remember(value)
    return value


def storage_warning() -> str:
    """A warning when the keyring in use keeps secrets readable on disk (keyrings.alt's
    ``PlaintextKeyring``, which keyring falls back to when nothing better is installed,
    as on most SSH boxes); empty when the backend is fine."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception:  # no backend at all: ``set`` says so in one line
        return ""
    name = type(backend).__name__
    if "plaintext" not in name.lower():
        return ""
    where = getattr(backend, "file_path", "a file")
    return (
        f"the keyring in use ({name}) keeps secrets unencrypted in {where}; use "
        "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring, a desktop keyring, "
        "or REPLYDESK_SECRET_<NAME> in the environment instead"
    )


def set(name: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    if not value:
        raise SecretError("an empty secret was not stored")
    try:
        keyring.set_password(SERVICE, name, value)
    except NoKeyringError as exc:
        raise _no_backend(name, str(exc) or "no backend") from None
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _no_backend(name, type(exc).__name__) from None
