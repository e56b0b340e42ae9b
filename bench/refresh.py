"""The scheduled refresh at scale: re-reading an unchanged source, and one where 1 % changed.

A refresh re-imports every record of a source (an unchanged fingerprint writes nothing), retires
what the source no longer contains, derives the holdings of the owners touched and reports the
watched chains and the 50 % rule before and after. The harness measures it twice after the
import, as a child process like the import: with the very files just imported, then with a copy
in which a fixed 1 % of the records changed (:func:`changed_copy`).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path
from typing import Any

FRACTION = 0.01  # the share of records the second refresh finds changed


def sources_file(folder: Path, data_dir: Path) -> Path:
    """A sources file with the generated registry as source ``bench`` (the import's name) and
    the benchmark's JP → RU question as a watch, as an analyst's refresh would have."""
    path = folder / f"sources-{data_dir.name}.toml"
    path.write_text(
        f'[[source]]\nname = "bench"\npath = {json.dumps(str(data_dir))}\nformat = "csv"\n\n'
        '[[watch]]\nfrom = "JP"\nto = "RU"\n',
        encoding="utf-8",
    )
    return path


def changed_copy(data_dir: Path, out: Path, fraction: float = FRACTION, seed: int = 42) -> dict:
    """Copy the registry of ``data_dir`` to ``out`` with ``fraction`` of its records changed,
    the same ones for the same seed: entities renamed, ownership shares changed, officers given
    another role, and as many ownership rows gone as changed (a refresh retires them).

    Returns what was changed, per file."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    changed: dict[str, int] = {}
    edits = {
        "entities.csv": _rename,
        "ownership.csv": _reshare,
        "officers.csv": _new_role,
    }
    for name in ("entities.csv", "ownership.csv", "officers.csv", "sanctions.csv"):
        source, target = data_dir / name, out / name
        edit = edits.get(name)
        if edit is None:
            shutil.copyfile(source, target)
            continue
        count = 0
        with (
            source.open(newline="", encoding="utf-8") as f,
            target.open("w", newline="", encoding="utf-8") as g,
        ):
            reader = csv.DictReader(f)
            assert reader.fieldnames is not None
            writer = csv.DictWriter(g, fieldnames=reader.fieldnames, lineterminator="\n")
            writer.writeheader()
            for row in reader:
                if rng.random() < fraction:
                    count += 1
                    if name == "ownership.csv" and count % 2 == 0:
                        continue  # every other chosen ownership row is gone
                    row = edit(row)
                writer.writerow(row)
        changed[name] = count
    return changed


def _rename(row: dict[str, str]) -> dict[str, str]:
    return {**row, "name": row["name"] + " (renamed)"}


def _reshare(row: dict[str, str]) -> dict[str, str]:
    share = row.get("share") or ""
    new = "50" if share != "50" else "49"
    return {**row, "share": new, "share_min": "", "share_max": ""}


def _new_role(row: dict[str, str]) -> dict[str, str]:
    return {**row, "role": "director" if row.get("role") != "director" else "secretary"}


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the harness keeps of a refresh report: status, per-source change counts, and
    whether (and why) the run kept the whole-graph answers again, the larger part of a
    refresh at a million companies."""
    source = next((s for s in report.get("sources", []) if s.get("name") == "bench"), {})
    return {
        "status": report.get("status"),
        "added": source.get("added"),
        "removed": source.get("removed"),
        "changed": source.get("changed"),
        "chains_new": len(report.get("chains_new", [])),
        "chains_gone": len(report.get("chains_gone", [])),
        "answers_kept": report.get("answers_kept"),
    }
