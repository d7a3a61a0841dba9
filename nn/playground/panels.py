"""The live view's pictures as PNG bytes, fast enough to follow the training.

Each panel's figure is made once by ``figures`` (the same artists as the still
figure) and drawn whole only when something still changes: the data or the network
(new figures), an axis limit, the selected neuron. Every other update redraws only
what changed: the boundary's and the neurons' maps are coloured with numpy and
written into the picture under the still layer (axes, ticks, legend, the points),
the δ numbers are written with FreeType (matplotlib's own font), and the edges and
curves are drawn over the saved background with matplotlib's ``draw_artist``
(blitting). ``drawn`` keeps the numbers of the last pictures.
"""

from __future__ import annotations

import functools
import struct
import zlib

import numpy as np

from .figures import (
    DPI,
    HOT_TEXT,
    TEXT_PX,
    CurvesDrawing,
    NetworkDrawing,
    NetworkLayout,
    boundary_view,
    check_view,
    class_cmap,
    draw_boundary,
    map_limits,
    probability_cmap,
    px_axes,
    region_pixels,
    require_matplotlib,
    score_limits,
    smallest_text_px,
)

__all__ = ["Panels", "resample", "nearest", "colour_table", "colours", "TextWriter", "png"]

BOUNDARY = (300, 286)   # the panels' sizes in pixels: beside each other they fit the
CURVES = (344, 284)     # width the live view leaves them at the notebook's default width
BAD = (200, 200, 200)   # a nan score or output (a diverged model): grey


def colour_table(cmap) -> np.ndarray:
    """``cmap`` as 256 RGB rows (uint8), and a 257th for nan."""
    table = np.empty((257, 3), np.uint8)
    table[:256] = np.round(cmap(np.linspace(0, 1, 256))[:, :3] * 255)
    table[256] = BAD
    return table


def colours(Z: np.ndarray, table: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The RGB pixels of ``Z`` on the colour scale lo..hi (clipped), nan grey."""
    with np.errstate(invalid="ignore"):
        k = np.clip((Z - lo) * (255.999 / (hi - lo)), 0, 255.999)
    index = np.where(np.isnan(k), 256, k).astype(np.intp)
    return table[index]


@functools.lru_cache(maxsize=64)
def _linear_weights(n_in: int, n_out: int) -> tuple:
    """Where each of ``n_out`` pixel centres falls between ``n_in`` grid points
    spanning the same extent: the two neighbours and the weight of the second."""
    at = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
    below = np.minimum(np.floor(at).astype(np.intp), max(n_in - 2, 0))
    return below, np.minimum(below + 1, n_in - 1), (at - below)


def nearest(n_in: int, n_out: int) -> np.ndarray:
    """The nearest of ``n_in`` grid points to each of ``n_out`` pixel centres over the
    same extent (the grid's first point at the first pixel's edge, its last at the
    last's)."""
    at = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
    return np.clip(np.round(at).astype(np.intp), 0, n_in - 1)


def resample(Z: np.ndarray, height: int, width: int) -> np.ndarray:
    """``Z`` (a grid over an extent) at ``height`` x ``width`` pixels over the same
    extent, by bilinear interpolation (row 0 stays row 0)."""
    r0, r1, fr = _linear_weights(Z.shape[0], height)
    c0, c1, fc = _linear_weights(Z.shape[1], width)
    top = Z[r0][:, c0] * (1 - fc) + Z[r0][:, c1] * fc
    bottom = Z[r1][:, c0] * (1 - fc) + Z[r1][:, c1] * fc
    return top * (1 - fr)[:, None] + bottom * fr[:, None]


class TextWriter:
    """Short texts written straight into an RGBA pixel buffer with matplotlib's
    font (FreeType, antialiased): what ``Text.draw`` does, without its layout."""

    def __init__(self, size_px: float = TEXT_PX):
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.font_manager import FontProperties, findfont, get_font

        self.font = get_font(findfont(FontProperties(size=size_px)))  # matplotlib's, shared
        self.size, self.flags = size_px, get_hinting_flag()
        self.ascent = round(self.font.ascender * size_px / self.font.units_per_EM)

    def glyphs(self, text: str) -> tuple:
        """The text's coverage (0..1) and how far its top row lies below the font's
        ascent line, in pixels (where ``Text.draw`` would put it)."""
        font = self.font
        font.clear()
        font.set_size(self.size, 72)  # at 72 dpi the size is in pixels
        font.set_text(text, 0, flags=self.flags)
        font.draw_glyphs_to_bitmap(antialiased=True)
        cover = np.asarray(font.get_image(), dtype=np.float32) / 255
        return cover, round(self.ascent + font.get_descent() / 64 - cover.shape[0])

    def write(self, buffer: np.ndarray, text: str, centre_x: float, top: int,
              colour=(38, 38, 38)) -> tuple:
        """Write ``text`` centred on ``centre_x``, the font's ascent line at row ``top``,
        into ``buffer`` (H, W, 4 uint8); returns the pixels it covers
        ``(left, top, right, bottom)``."""
        if not text:
            return (0, 0, 0, 0)
        cover, below = self.glyphs(text)
        h, w = cover.shape
        x0, y0 = round(centre_x - w / 2), top + below
        rows = slice(max(y0, 0), min(y0 + h, buffer.shape[0]))
        cols = slice(max(x0, 0), min(x0 + w, buffer.shape[1]))
        a = cover[rows.start - y0:rows.stop - y0, cols.start - x0:cols.stop - x0, None]
        under = buffer[rows, cols, :3].astype(np.float32)
        buffer[rows, cols, :3] = under * (1 - a) + np.asarray(colour, np.float32) * a + 0.5
        return (x0, y0, x0 + w, y0 + h)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rgb: np.ndarray) -> bytes:
    """RGB pixels (H, W, 3 uint8) as PNG bytes, written here: rows unfiltered, zlib's
    fastest level. A picture per update: 4 to 7 times faster than PIL's encoder
    (which filters every row), files as small on these flat-coloured pictures."""
    h, w, _ = rgb.shape
    rows = np.empty((h, 1 + 3 * w), np.uint8)
    rows[:, 0] = 0  # filter type 0 (none) on every row
    rows[:, 1:] = rgb.reshape(h, 3 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND", b""))


def _canvas_figure(width: int, height: int, **kwargs):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def _hex_rgb(colour: str) -> tuple:
    from matplotlib.colors import to_rgb

    return tuple(round(255 * c) for c in to_rgb(colour))


class Panels:
    """The live view's three pictures of a Playground, each ``bytes`` of PNG: the
    decision boundary with the points, the network (maps, edges, δ), and the curves
    (loss per epoch, gradient norm per layer at each step)."""

    def __init__(self, pg, resolution: int = 100):
        require_matplotlib()
        self.pg, self.resolution = pg, resolution
        self.drawn = {}
        self.full_draws = 0  # how many times a panel was drawn whole (the rest: only changes)
        self.rebuilt()

    def rebuilt(self) -> None:
        """New data or network: new figures on the next pictures."""
        self._boundary = self._network = self._curves = None

    def text_px(self) -> dict:
        """The smallest text of each picture, in pixels at the picture's size."""
        out = {}
        if self._boundary is not None:
            out["boundary"] = smallest_text_px(self._boundary["fig"])
        if self._network is not None:
            out["network"] = min(smallest_text_px(self._network["fig"]), TEXT_PX)
        if self._curves is not None:
            out["curves"] = smallest_text_px(self._curves["fig"])
        return out

    # -- the boundary: the score's pixels under the still layer -------------------------
    def boundary(self, view=None) -> bytes:
        """The boundary's picture: the score (one output), the argmax regions (several
        classes), or with ``view=k`` class k's probability over the plane."""
        view = check_view(self.pg, view)
        xs, ys, Z = boundary_view(self.pg, view, self.resolution)
        b = self._boundary
        if b is None or not (np.array_equal(b["xs"], xs) and np.array_equal(b["ys"], ys)):
            b = self._boundary = self._new_boundary(xs, ys, Z, view)
        r0, r1, c0, c1 = b["box"]
        drawn = {"xs": xs, "ys": ys, "Z": Z, "box": b["box"], "view": view}
        if view is not None:
            table = colour_table(probability_cmap(view))
            heat = colours(resample(Z[view], r1 - r0, c1 - c0)[::-1], table, 0.0, 1.0)
        elif np.ndim(Z) == 3:  # each pixel its grid point's class: the regions drawn exactly
            rows, cols = nearest(len(ys), r1 - r0), nearest(len(xs), c1 - c0)
            heat = region_pixels(Z[:, rows[::-1]][:, :, cols])
            drawn.update(regions=Z.argmax(axis=0), pixel_rows=rows[::-1], pixel_cols=cols)
        else:
            heat = colours(resample(Z, r1 - r0, c1 - c0)[::-1], b["table"], *b["limits"])
        out = b["still"].copy()
        out[r0:r1, c0:c1] = b["over"] + heat * b["through"] + 0.5
        self.drawn["boundary"] = drawn
        return png(out)

    def _new_boundary(self, xs, ys, Z, view) -> dict:
        """The still layer: everything but the score, drawn once on a transparent
        figure; inside the axes box it is laid over the score's pixels."""
        fig = _canvas_figure(*BOUNDARY, facecolor="none")
        ax = px_axes(fig, 40, 6, 252, 236)
        image, _, _ = draw_boundary(ax, self.pg, xs, ys, Z, view=view)
        image.set_visible(False)
        ax.patch.set_visible(False)
        fig.canvas.draw()
        self.full_draws += 1
        rgba = np.asarray(fig.canvas.buffer_rgba(), dtype=np.float32)
        alpha = rgba[..., 3:] / 255
        box = ax.get_window_extent()
        H = rgba.shape[0]
        r0, r1, c0, c1 = H - round(box.y1), H - round(box.y0), round(box.x0), round(box.x1)
        still = rgba[..., :3] * alpha + 255 * (1 - alpha)  # over white
        inside = (slice(r0, r1), slice(c0, c1))
        return {"fig": fig, "xs": xs, "ys": ys, "box": (r0, r1, c0, c1),
                "still": (still + 0.5).astype(np.uint8), "over": (rgba[..., :3] * alpha)[inside],
                "through": (1 - alpha)[inside], "table": colour_table(class_cmap()),
                "limits": score_limits(self.pg)}

    # -- the network: edges blitted, maps and δ written into the picture ------------------
    def network(self, selected=None, edges="weights") -> bytes:
        n = self._network
        if n is None:
            n = self._network = self._new_network()
        drawing = n["drawing"]
        numbers = drawing.update(selected, edges)
        canvas = n["fig"].canvas
        if n["background"] is None or n["selected"] != selected:
            canvas.draw()  # the still parts: heads, names, the inputs' maps, the frames
            self.full_draws += 1
            n["background"], n["selected"] = canvas.copy_from_bbox(n["fig"].bbox), selected
        else:
            canvas.restore_region(n["background"])
        if drawing.lines.get_visible():
            n["fig"].draw_artist(drawing.lines)
        buffer = np.asarray(canvas.buffer_rgba())
        self._write_maps(n, buffer, numbers)
        self.drawn["network"] = numbers
        return png(buffer[..., :3])

    def _new_network(self) -> dict:
        pg = self.pg
        layout = NetworkLayout([len(pg.features)] + [la.nout for la in pg.model.layers])
        fig = _canvas_figure(layout.width, layout.height)
        drawing = NetworkDrawing(fig.add_axes([0, 0, 1, 1]), pg, layout)
        for artist in (drawing.lines, *drawing.maps[drawing.n_inputs:], *drawing.deltas):
            artist.set_animated(True)  # drawn here at each update, not in the background
        boxes = [box for column in layout.boxes[1:] for box in column]
        return {"fig": fig, "drawing": drawing, "boxes": boxes, "background": None,
                "selected": None, "writer": TextWriter(),
                "tables": (colour_table(require_matplotlib().colormaps["RdBu_r"]),
                           colour_table(class_cmap())),
                "class_tables": [colour_table(probability_cmap(c)) for c in range(pg.classes)]
                if pg.multiclass else None, "score": score_limits(pg)}

    def _write_maps(self, n: dict, buffer: np.ndarray, numbers: dict) -> None:
        """Each neuron's map inside its frame, and its δ under it."""
        size = NetworkLayout.BOX
        maps = [Z for column in numbers["columns"][1:] for Z in column]
        hidden, output = n["tables"]
        first_output = len(maps) - len(numbers["columns"][-1])
        texts, written = n["drawing"].deltas, []
        for k, ((x, y), Z, text) in enumerate(zip(n["boxes"], maps, texts)):
            if k < first_output:
                table, limits = hidden, map_limits(Z)
            elif n["class_tables"]:  # class j's probability: white 0, its colour 1
                table, limits = n["class_tables"][k - first_output], (0.0, 1.0)
            else:
                table, limits = output, n["score"]
            pixels = colours(resample(Z, size - 2, size - 2)[::-1], table, *limits)
            buffer[y + 1:y + size - 1, x + 1:x + size - 1, :3] = pixels
            hot = text.get_color() == HOT_TEXT
            written.append(n["writer"].write(buffer, text.get_text(), x + size / 2,
                                             y + size + 2,
                                             _hex_rgb(HOT_TEXT) if hot else (38, 38, 38)))
        numbers["delta_extents"] = written  # (left, top, right, bottom) of each δ's pixels

    # -- the curves: lines blitted over the axes --------------------------------------
    def curves(self) -> bytes:
        c = self._curves
        n_layers = len(self.pg.model.layers)
        if c is None or len(c["drawing"].norms) != n_layers:
            fig = _canvas_figure(*CURVES)
            drawing = CurvesDrawing(px_axes(fig, 44, 22, 206, 90), px_axes(fig, 44, 154, 206, 90),
                                    n_layers, self.pg.step_norms.maxlen)
            for line in drawing.lines:
                line.set_animated(True)
            c = self._curves = {"fig": fig, "drawing": drawing, "background": None}
        canvas = c["fig"].canvas
        if c["drawing"].update(self.pg) or c["background"] is None:
            canvas.draw()  # a limit moved: the axes, ticks and legends again
            self.full_draws += 1
            c["background"] = canvas.copy_from_bbox(c["fig"].bbox)
        else:
            canvas.restore_region(c["background"])
        for line in c["drawing"].lines:
            c["fig"].draw_artist(line)
        self.drawn["curves"] = c["drawing"].drawn
        return png(np.asarray(canvas.buffer_rgba())[..., :3])
