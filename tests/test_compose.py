"""Static checks of docker-compose.yml, the Dockerfile, .env.example and .dockerignore.

Docker is not needed: the files are parsed and the deployment rules asserted on them
(pinned Neo4j, loopback-only ports, no default or literal password, health-gated start-up,
the scheduled importer, named volumes, a non-root image without secrets).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

NEO4J_IMAGE = "neo4j:5.26-community"
APP_SERVICES = ("explorer", "importer")
REQUIRED_PASSWORD = "${NEO4J_PASSWORD:?"
SECRET_KEY = re.compile(r"PASSWORD|PASSWD|AUTH|SECRET|TOKEN", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def _compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict:
    data = yaml.safe_load(_compose_text())
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    assert isinstance(data.get("services"), dict), "docker-compose.yml has no services"
    return data


def _service(compose: dict, name: str) -> dict:
    services = compose["services"]
    assert name in services, f"service {name!r} missing from docker-compose.yml"
    return services[name] or {}


def _environment(service: dict) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            key, sep, value = str(item).partition("=")
            out[key] = value if sep else None
        return out
    return {str(k): (None if v is None else str(v)) for k, v in env.items()}


def _argv(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def _dockerfile_lines() -> list[str]:
    """Dockerfile instructions with comments dropped and continuation lines joined."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append((current + stripped).strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def _instructions(name: str) -> list[str]:
    name = name.upper()
    return [
        line.split(None, 1)[1] if " " in line else ""
        for line in _dockerfile_lines()
        if line.split(None, 1)[0].upper() == name
    ]


def _image_entrypoint() -> list[str]:
    entrypoints = _instructions("ENTRYPOINT")
    assert entrypoints, "Dockerfile has no ENTRYPOINT"
    value = entrypoints[-1].strip()
    if value.startswith("["):
        return [str(v) for v in json.loads(value)]
    return shlex.split(value)


def _effective_argv(service: dict) -> list[str]:
    """What the container runs: entrypoint (the service's override or the image's) + command."""
    entrypoint = _argv(service["entrypoint"]) if "entrypoint" in service else _image_entrypoint()
    return entrypoint + _argv(service.get("command"))


def _option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _volume_mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume entry, short or long syntax."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry.get("target", ""))))
        else:
            parts = str(entry).split(":")
            if len(parts) == 1:  # anonymous volume
                mounts.append(("", parts[0]))
            else:
                mounts.append((parts[0], parts[1]))
    return mounts


def _is_named_volume(source: str) -> bool:
    return bool(source) and not source.startswith((".", "/", "~", "$"))


def _env_example() -> dict[str, str]:
    values = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        assert sep, f".env.example line is not KEY=VALUE: {raw!r}"
        values[key.strip()] = value.strip()
    return values


# --------------------------------------------------------------------------- neo4j service


def test_neo4j_image_is_pinned_community_5_26(compose):
    assert _service(compose, "neo4j").get("image") == NEO4J_IMAGE


def test_neo4j_auth_requires_password_from_environment(compose):
    env = _environment(_service(compose, "neo4j"))
    auth = env.get("NEO4J_AUTH")
    assert auth, "neo4j has no NEO4J_AUTH (auth must never be disabled or defaulted)"
    assert auth.startswith("neo4j/" + REQUIRED_PASSWORD), auth
    # The whole password is the required variable: nothing literal before or after it.
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]*\}", auth), auth


def test_neo4j_plugins_not_set(compose):
    env = _environment(_service(compose, "neo4j"))
    assert "NEO4J_PLUGINS" not in env, "the project uses plain Cypher: no APOC/GDS plugins"
    assert "NEO4JLABS_PLUGINS" not in env


def test_neo4j_memory_settings(compose):
    env = _environment(_service(compose, "neo4j"))
    for key in (
        "NEO4J_server_memory_heap_initial__size",
        "NEO4J_server_memory_heap_max__size",
        "NEO4J_server_memory_pagecache_size",
    ):
        assert env.get(key), f"neo4j memory setting {key} missing"


def test_neo4j_healthcheck(compose):
    health = _service(compose, "neo4j").get("healthcheck")
    assert isinstance(health, dict), "neo4j has no healthcheck"
    assert not health.get("disable"), "neo4j healthcheck is disabled"
    test = health.get("test")
    assert test, "neo4j healthcheck has no test"
    argv = _argv(test)
    assert argv[0] != "NONE", "neo4j healthcheck is disabled"
    command = " ".join(argv)
    assert re.search(r"cypher-shell|wget|curl", command), command
    if "cypher-shell" in command:
        # Credentials come from the container's environment at check time (escaped $$ in compose).
        assert "$$" in command or "NEO4J_PASSWORD" in command, command


def test_neo4j_data_and_logs_on_named_volumes(compose):
    mounts = dict((target, source) for source, target in _volume_mounts(_service(compose, "neo4j")))
    for target in ("/data", "/logs"):
        assert target in mounts, f"neo4j {target} has no volume"
        assert _is_named_volume(mounts[target]), f"neo4j {target} is not on a named volume"


# --------------------------------------------------------------------------- ports and secrets


def test_every_published_port_binds_loopback(compose):
    published: dict[str, set[str]] = {}
    for name, service in compose["services"].items():
        for entry in (service or {}).get("ports") or []:
            if isinstance(entry, dict):
                host_ip = str(entry.get("host_ip", ""))
                host_port = str(entry.get("published", ""))
            else:
                spec = str(entry).split("/")[0]
                parts = spec.split(":")
                assert len(parts) == 3, f"{name}: port {entry!r} does not name a host address"
                host_ip, host_port = parts[0], parts[1]
            assert host_ip == "127.0.0.1", f"{name}: port {entry!r} is not bound to 127.0.0.1"
            published.setdefault(name, set()).add(host_port)
    assert published.get("neo4j") == {"7474", "7687"}, published
    assert published.get("explorer") == {"8501"}, published
    assert "importer" not in published, "the importer serves nothing and publishes no port"


def test_password_variable_never_has_a_default():
    text = _compose_text()
    # Every compose-interpolated use of NEO4J_PASSWORD ($$ is an escaped, literal $).
    uses = list(re.finditer(r"(?<!\$)\$(\{NEO4J_PASSWORD\b[^}]*\}|NEO4J_PASSWORD\b)", text))
    assert uses, "docker-compose.yml never uses ${NEO4J_PASSWORD:?...}"
    for use in uses:
        assert use.group(0).startswith(REQUIRED_PASSWORD), (
            f"{use.group(0)!r}: NEO4J_PASSWORD must be required (:?), never defaulted or optional"
        )
    # No default (or alternative value) for the password anywhere, not even in a $$-escaped one.
    assert not re.search(r"\{NEO4J_PASSWORD:?[-=+]", text), "NEO4J_PASSWORD has a default"


def test_no_literal_password_in_compose(compose):
    for name, service in compose["services"].items():
        for key, value in _environment(service or {}).items():
            if not SECRET_KEY.search(key):
                continue
            assert value, f"{name}: {key} is empty"
            allowed = r"\$\{NEO4J_PASSWORD:\?[^}]*\}"
            if key == "NEO4J_AUTH":
                allowed = "neo4j/" + allowed
            assert re.fullmatch(allowed, value), (
                f"{name}: {key}={value!r} is not from the environment"
            )
    # No password handed over on a command line either.
    text = _compose_text()
    for match in re.finditer(r"(?:\s-p|--password)[=\s]+(\"?)([^\s\"]+)", text):
        assert match.group(2).startswith("$"), (
            f"literal password on a command line: {match.group(0)!r}"
        )
    assert not re.search(r"(?i)neo4j/(?!\$\{)", text.replace("neo4j/${NEO4J_PASSWORD:?", "")), (
        "a literal neo4j/<password> appears in docker-compose.yml"
    )


# --------------------------------------------------------------------------- explorer and importer


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_neo4j(compose, name):
    depends = _service(compose, name).get("depends_on")
    assert isinstance(depends, dict), f"{name}: depends_on must be a mapping with a condition"
    assert (depends.get("neo4j") or {}).get("condition") == "service_healthy", depends


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_built_from_dockerfile(compose, name):
    build = _service(compose, name).get("build")
    assert build, f"{name} is not built from the Dockerfile"
    if isinstance(build, dict):
        assert build.get("context", ".") in (".", "./")
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    else:
        assert build in (".", "./")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_environment(compose, name):
    env = _environment(_service(compose, name))
    assert env.get("NEO4J_URI") == "bolt://neo4j:7687"
    assert env.get("NEO4J_USER") == "neo4j"
    password = env.get("NEO4J_PASSWORD") or ""
    assert password.startswith(REQUIRED_PASSWORD), f"{name}: NEO4J_PASSWORD={password!r}"
    assert env.get("OWNERSHIP_HOME"), f"{name}: OWNERSHIP_HOME not set"


def test_explorer_and_importer_share_ownership_home_volume(compose):
    sources = {}
    for name in APP_SERVICES:
        service = _service(compose, name)
        home = _environment(service)["OWNERSHIP_HOME"]
        mounts = {target: source for source, target in _volume_mounts(service)}
        assert home in mounts, f"{name}: OWNERSHIP_HOME {home} is not on a volume"
        assert _is_named_volume(mounts[home]), f"{name}: OWNERSHIP_HOME is not on a named volume"
        sources[name] = (home, mounts[home])
    assert sources["explorer"] == sources["importer"], sources


def test_explorer_command(compose):
    explorer = _service(compose, "explorer")
    argv = _effective_argv(explorer)
    assert argv[:2] == ["ownership", "app"], argv
    assert _option(argv, "--address") == "0.0.0.0", argv
    assert _option(argv, "--port") == "8501", argv


def test_importer_runs_scheduled_seed_refresh(compose):
    importer = _service(compose, "importer")
    argv = _effective_argv(importer)
    assert argv[:2] == ["ownership", "refresh"], argv
    assert _option(argv, "--sources") == "/app/seed/sources.toml", argv
    every = _option(argv, "--every")
    assert every and re.fullmatch(r"\d+[smhd]", every), argv
    assert importer.get("restart") == "unless-stopped"


def test_seed_sources_file_exists():
    # /app/seed/sources.toml in the container is the repository's seed/sources.toml.
    assert (ROOT / "seed" / "sources.toml").is_file(), "seed/sources.toml missing"


def test_seed_copied_into_image_at_app_seed():
    workdirs = _instructions("WORKDIR")
    assert workdirs and workdirs[-1].strip() == "/app", workdirs
    copies = " ".join(_instructions("COPY"))
    assert re.search(r"(^|\s)(\.|seed/?)\s+(/app/?|\.|\./|/app/seed/?)(\s|$)", copies), copies
    assert not _dockerignored("seed/sources.toml"), ".dockerignore excludes the seed"


# --------------------------------------------------------------------------- volumes


def test_named_volumes_declared_and_used(compose):
    declared = set((compose.get("volumes") or {}).keys())
    assert declared, "no named volumes declared at the top level"
    used = {
        source
        for service in compose["services"].values()
        for source, _ in _volume_mounts(service or {})
        if _is_named_volume(source)
    }
    assert used, "no service mounts a named volume"
    assert used <= declared, f"volumes used but not declared: {sorted(used - declared)}"
    assert declared <= used, f"volumes declared but unused: {sorted(declared - used)}"


# --------------------------------------------------------------------------- .env.example


def test_env_example_has_no_password_value():
    values = _env_example()
    assert "NEO4J_PASSWORD" in values, ".env.example must list NEO4J_PASSWORD (empty)"
    assert values["NEO4J_PASSWORD"] in ("", '""', "''"), "NEO4J_PASSWORD must be empty"
    for key, value in values.items():
        if SECRET_KEY.search(key):
            assert value in ("", '""', "''"), f".env.example gives {key} a value"
    assert values.get("NEO4J_USER") == "neo4j"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"8", text) and re.search(r"(?i)charact", text), (
        ".env.example must say the password needs 8+ characters"
    )


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_base_image():
    froms = _instructions("FROM")
    assert froms, "Dockerfile has no FROM"
    assert froms[-1].split()[0] == "python:3.11-slim", froms


def test_dockerfile_installs_project_and_runs_ownership():
    runs = " ".join(_instructions("RUN"))
    assert re.search(r"pip install\b[^&;]*\s(\.|/app/?)(\s|$|&|;)", runs), runs
    assert _image_entrypoint()[0] == "ownership", _image_entrypoint()


def test_dockerfile_does_not_run_as_root():
    users = _instructions("USER")
    assert users, "Dockerfile has no USER line: the image would run as root"
    user = users[-1].strip().split(":")[0]
    assert user not in ("", "root", "0"), f"image runs as {users[-1]!r}"


def test_dockerfile_contains_no_password():
    for line in _dockerfile_lines():
        keyword, _, rest = line.partition(" ")
        if keyword.upper() in ("ENV", "ARG", "LABEL"):
            assert not SECRET_KEY.search(rest), (
                f"secret-like setting baked into the image: {line!r}"
            )
    text = DOCKERFILE.read_text(encoding="utf-8")
    code = "\n".join(_dockerfile_lines())
    assert not re.search(r"(?i)NEO4J_(PASSWORD|AUTH)\s*=", code), (
        "a password is set in the Dockerfile"
    )
    assert not re.search(r"--password[=\s]+\S", code), "a password on a RUN command line"
    assert not re.search(r"cypher-shell[^\n]*\s-p\s", code), "a password on a RUN command line"
    assert "neo4j/" not in text.replace("neo4j/${", ""), (
        "a literal neo4j/<password> in the Dockerfile"
    )


# --------------------------------------------------------------------------- .dockerignore


def _dockerignore_patterns() -> list[tuple[bool, str]]:
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        patterns.append((negate, pattern.strip().strip("/")))
    return patterns


def _pattern_matches(pattern: str, path: str) -> bool:
    # A pattern excluding a folder excludes everything under it; ** spans folders.
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(fnmatch.fnmatchcase(p, tail) for p in parts) or any(
            fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes
        )
    return any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)


def _dockerignored(path: str) -> bool:
    ignored = False
    for negate, pattern in _dockerignore_patterns():
        if _pattern_matches(pattern, path):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "ownership/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v/cache",
        "bench/data/big.csv",
    ],
)
def test_dockerignore_excludes(path):
    assert _dockerignored(path), f"{path} would be copied into the image"


@pytest.mark.parametrize(
    "path", ["pyproject.toml", "README.md", "ownership/cli.py", "seed/sources.toml"]
)
def test_dockerignore_keeps_what_the_build_needs(path):
    assert not _dockerignored(path), f"{path} is excluded from the build context"
