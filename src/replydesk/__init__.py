"""replydesk: a terminal workstation for answering unhappy customers."""

__version__ = "0.1.0"
