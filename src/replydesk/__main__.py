"""`python -m replydesk` runs the same command line as the `replydesk` script."""

from replydesk.cli import main

raise SystemExit(main())
