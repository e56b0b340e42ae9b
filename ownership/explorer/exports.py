"""What is on screen, as files: CSV for tables; GraphML, JSON and standalone HTML for graphs."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd

from ownership.explorer.subgraph import Subgraph

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (spreadsheets then read Japanese and Cyrillic right)."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_defuse)
    return safe.to_csv(index=False).encode("utf-8-sig")


def json_bytes(sub: Subgraph) -> bytes:
    return json.dumps(sub.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")


_NODE_KEYS: list[tuple[str, str]] = [
    ("name", "string"),
    ("record_id", "string"),
    ("jurisdiction", "string"),
    ("kind", "string"),
    ("tags", "string"),
    ("sanctioned", "boolean"),
    ("status", "string"),
    ("degree", "int"),
    ("focus", "boolean"),
    ("hub", "boolean"),
    ("more", "int"),
]
_EDGE_KEYS: list[tuple[str, str]] = [
    ("type", "string"),
    ("share", "double"),
    ("share_min", "double"),
    ("share_max", "double"),
    ("kind", "string"),
    ("start_date", "string"),
    ("end_date", "string"),
    ("records", "int"),
]


def _text(value: Any, kind: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if kind == "double":
        return repr(float(value))
    return str(value)


def graphml_bytes(sub: Subgraph) -> bytes:
    """GraphML (directed), readable by Gephi, yEd, Cytoscape and networkx."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}graphml")
    for scope, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for name, kind in keys:
            ET.SubElement(
                root,
                f"{{{ns}}}key",
                {"id": f"{scope[0]}_{name}", "for": scope, "attr.name": name, "attr.type": kind},
            )
    graph = ET.SubElement(root, f"{{{ns}}}graph", {"id": "ownership", "edgedefault": "directed"})
    for node in sub.nodes:
        element = ET.SubElement(graph, f"{{{ns}}}node", {"id": node.id})
        for name, kind in _NODE_KEYS:
            value = getattr(node, name)
            if value is not None and value != []:
                ET.SubElement(element, f"{{{ns}}}data", {"key": f"n_{name}"}).text = _text(
                    value, kind
                )
    for index, edge in enumerate(sub.edges):
        element = ET.SubElement(
            graph,
            f"{{{ns}}}edge",
            {"id": f"e{index}", "source": edge.source, "target": edge.target},
        )
        for name, kind in _EDGE_KEYS:
            value = getattr(edge, name)
            if value is not None:
                ET.SubElement(element, f"{{{ns}}}data", {"key": f"e_{name}"}).text = _text(
                    value, kind
                )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def html_bytes(page: str) -> bytes:
    return page.encode("utf-8")
