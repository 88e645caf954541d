"""Who is at the keyboard: the operating system's login, which no setting can change.

``Config.user`` (``REPLYDESK_USER``, else ``[workspace] user``) is only a display name,
shown on claims, approvals and promise owners. Anyone can set it to anything, so the
audit log also records ``os_login()``: the account the process runs under.
"""

from __future__ import annotations

import getpass
import os


def os_login() -> str:
    """The login name of the process's real user id (``pwd``), else ``getpass.getuser()``."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, AttributeError, KeyError):  # no pwd (Windows), or a uid without entry
        pass
    try:
        return getpass.getuser()
    except Exception:  # no login name at all on some containers
        uid = getattr(os, "getuid", None)
        return f"uid {uid()}" if uid else "unknown"
