"""The scheduled refresh (``ownership refresh``, contract section 4).

- :mod:`~ownership.refresh.sources`: the sources file (``[[source]]``, ``[[watch]]``);
- :mod:`~ownership.refresh.fetch`: URL sources, downloaded conditionally into the cache;
- :mod:`~ownership.refresh.replace`: per-source replacement (stamp what is there, retire the rest);
- :mod:`~ownership.refresh.report`: the change report; :mod:`~ownership.refresh.ledger`: the runs;
- :mod:`~ownership.refresh.lock`: one refresh at a time;
- :mod:`~ownership.refresh.schedule`: ``--every``;
- :mod:`~ownership.refresh.runner`: one run; :mod:`~ownership.refresh.command`: the commands.

``python -m ownership.refresh …`` is ``ownership refresh …``.
"""

from ownership.refresh.ledger import load_report, load_reports

__all__ = ["load_report", "load_reports"]
