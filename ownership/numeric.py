"""numpy, imported the first time a name of it is used.

Why: importing numpy costs about 0.1 s, a third of the time ``ownership --help`` may take (issue
14: 0.3 s), and nearly every module of the command line reaches a module that computes with it
(kept answers are packed as numpy columns). Commands that never compute — ``--help``, usage
errors, ``db status`` — should not pay for it. Modules write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from ownership.numeric import np

and use ``np.…`` as usual; type checkers see numpy itself.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Numpy:
    """Stands for the numpy module; each name is looked up once, then kept on the instance so
    that later uses cost an ordinary attribute read (``__getattr__`` only runs on a miss)."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(importlib.import_module("numpy"), name)
        setattr(self, name, value)
        return value


np = _Numpy()
