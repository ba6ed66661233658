"""Subcommands of the ``camtwin`` CLI (see :data:`camtwin.cli.COMMANDS`)."""
