"""Settings from the environment (contract section 1), read in one place.

Nothing here has a default password: a remote Neo4j needs ``NEO4J_PASSWORD`` from the
environment, and the embedded server generates its own and keeps it in ``OWNERSHIP_HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_dir


def private_home(home: Path) -> Path:
    """Create ``home`` (``OWNERSHIP_HOME``) readable by its owner only, and return it.

    It holds the embedded server's password and database files and the run reports: on a shared
    machine nobody else may read them. An existing home is tightened to 0700 too (it is this
    program's state folder, never a folder shared with other things).
    """
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if home.stat().st_mode & 0o077:
        os.chmod(home, 0o700)
    return home


# Bolt, plain or routed, with or without TLS: what a Neo4j 5 server (and the driver) speaks.
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class ConfigError(Exception):
    """The environment does not describe a usable connection."""


@dataclass(frozen=True)
class Settings:
    """Where the graph lives and how to reach it."""

    home: Path
    uri: str | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None

    @property
    def embedded(self) -> bool:
        """True when no ``NEO4J_URI`` is set and the embedded server is used."""
        return not self.uri

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = env.get("OWNERSHIP_HOME") or user_data_dir("ownership", appauthor=False)
        uri = env.get("NEO4J_URI") or None
        user = env.get("NEO4J_USER") or None
        password = env.get("NEO4J_PASSWORD") or None
        if uri and urlsplit(uri).scheme.lower() not in BOLT_SCHEMES:
            raise ConfigError(
                f"NEO4J_URI={uri} is not a Bolt address: it must start with "
                + ", ".join(f"{scheme}://" for scheme in BOLT_SCHEMES)
            )
        if uri and (user is None or password is None):
            raise ConfigError("NEO4J_URI is set: NEO4J_USER and NEO4J_PASSWORD must be set too")
        return cls(
            home=Path(home).expanduser().resolve(),
            uri=uri,
            user=user,
            password=password,
            database=env.get("NEO4J_DATABASE") or None,
        )
