"""``python -m ownership.refresh`` is ``ownership refresh``."""

from ownership.refresh.command import refresh_command

refresh_command(prog_name="ownership refresh")
