"""``python -m ownership`` is the ``ownership`` command."""

from ownership.cli import run

run()
