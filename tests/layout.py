"""Reading a laid-out drawing: node boxes and edge paths from an SVG, and Graphviz's
own layout (json0) of DOT text; what the layout tests measure."""

import json
import struct
import xml.etree.ElementTree as ET

from autograd.viz import render


def node_positions(svg: str) -> dict:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    positions = {}
    for g in root.iter(f"{ns}g"):
        if g.get("class") == "node":
            xs, ys = [], []
            for poly in g.iter(f"{ns}polygon"):
                for point in poly.get("points").split():
                    x, y = point.split(",")
                    xs.append(float(x))
                    ys.append(float(y))
            for ell in g.iter(f"{ns}ellipse"):
                xs.append(float(ell.get("cx")))
                ys.append(float(ell.get("cy")))
            if xs:  # the box of the node's shapes
                positions[g.get("id")] = tuple(round(c) for c in
                                               (min(xs), min(ys), max(xs), max(ys)))
    return positions


def edge_paths(svg: str) -> dict:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    return {g.get("id"): g.find(f"{ns}path").get("d") for g in root.iter(f"{ns}g")
            if g.get("class") == "edge"}


def laid_out(source: str) -> dict:
    """Graphviz's own layout of a drawing (json0): node centres and boxes, edge
    endpoints, by the ids the drawing gives them."""
    layout = json.loads(json0(source))
    nodes = {}
    for obj in layout["objects"]:
        if "pos" in obj:
            x, y = map(float, obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            nodes[obj.get("id", obj["name"])] = (x, y, w, h)
    edges = {}
    for e in layout.get("edges", []):
        parts = e["pos"].split()
        tips = {p[0]: tuple(map(float, p[2:].split(","))) for p in parts if p[:2] in ("e,", "s,")}
        points = [tuple(map(float, p.split(","))) for p in parts if p[:2] not in ("e,", "s,")]
        edges[e["id"]] = (tips.get("s", points[0]), tips.get("e", points[-1]))  # arrow tips
    return {"nodes": nodes, "edges": edges}


def json0(source: str) -> str:
    return render(source, "json0").decode()


def touches(point, box, slack=3.0) -> bool:
    (px, py), (x, y, w, h) = point, box
    return abs(px - x) <= w / 2 + slack and abs(py - y) <= h / 2 + slack


def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
