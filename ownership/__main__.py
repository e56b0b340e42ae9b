"""``python -m ownership`` is the ``ownership`` command."""

from ownership.cli import main

main()
