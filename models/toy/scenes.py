"""Procedural captioned scenes for the toy SD model.

Every image is one flat shape on a plain background, 64x64 RGB, drawn from
signed distance functions with a one-pixel anti-aliased edge, and keeps its
attribute record, so generated images can be scored against ground truth.

    attrs = sample_attributes(rng, n)      # dict of int arrays [n]
    images = render(attrs, rng)            # uint8 [n, 64, 64, 3]
    text = caption(attrs_row, rng)         # one of several templates

Everything is deterministic from the numpy Generator passed in.
"""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 64

SHAPES = ["circle", "square", "triangle", "cross"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]
COLOR_RGB = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 220, 40),
    "purple": (140, 60, 190),
    "orange": (245, 140, 30),
}
BACKGROUNDS = ["black", "white", "gray", "blue"]
BACKGROUND_RGB = {
    "black": (20, 20, 20),
    "white": (240, 240, 240),
    "gray": (128, 128, 128),
    "blue": COLOR_RGB["blue"],
}
# 3x3 grid of regions, row-major from the top left.
POSITIONS = [
    "top left", "top", "top right",
    "left", "centre", "right",
    "bottom left", "bottom", "bottom right",
]
SIZES = ["small", "large"]

ATTRIBUTES = {
    "shape": SHAPES,
    "color": COLORS,
    "position": POSITIONS,
    "size": SIZES,
    "background": BACKGROUNDS,
}

# Region centres in pixels and the jitter around them; radii per size.
# Chosen so that a large shape at a corner still fits inside the image.
_CENTRES = np.array([15.0, 32.0, 49.0])
_JITTER = 2.0
_RADIUS = {"small": 6.0, "large": 11.5}
_RADIUS_JITTER = 0.75
_COLOR_JITTER = 8  # +- per channel, so the probe does not learn exact RGB


def valid_combo(color: int, background: int) -> bool:
    """A shape never has its background's colour."""
    return COLORS[color] != BACKGROUNDS[background]


def sample_attributes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Uniform attributes, background resampled until it differs from the colour."""
    a = {k: rng.integers(0, len(v), size=n) for k, v in ATTRIBUTES.items()}
    bad = np.array([not valid_combo(c, b) for c, b in zip(a["color"], a["background"])])
    while bad.any():
        a["background"][bad] = rng.integers(0, len(BACKGROUNDS), size=int(bad.sum()))
        bad = np.array([not valid_combo(c, b) for c, b in zip(a["color"], a["background"])])
    return a


def all_combos() -> list[tuple[int, int, int, int, int]]:
    """Every valid (shape, color, position, size, background) tuple."""
    out = []
    for s in range(len(SHAPES)):
        for c in range(len(COLORS)):
            for p in range(len(POSITIONS)):
                for z in range(len(SIZES)):
                    for b in range(len(BACKGROUNDS)):
                        if valid_combo(c, b):
                            out.append((s, c, p, z, b))
    return out


def _sdf(shape: np.ndarray, dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Signed distance (negative inside) of each shape kind, vectorised over [n, H, W].

    dx, dy: offsets from the shape centre with y pointing up; r: [n, 1, 1].
    Box and cross distances use the max-norm approximation, which is exact on
    the edges, where the anti-aliasing needs it.
    """
    circle = np.sqrt(dx * dx + dy * dy) - r
    h = 0.85 * r  # square half side, so that areas are close to the circle's
    square = np.maximum(np.abs(dx), np.abs(dy)) - h
    # Equilateral triangle, Inigo Quilez's sdEquilateralTriangle, side 2*rt.
    rt = 1.15 * r
    k = np.sqrt(3.0)
    px = np.abs(dx) - rt
    py = dy + rt / k
    fold = px + k * py > 0
    px, py = np.where(fold, (px - k * py) / 2, px), np.where(fold, (-k * px - py) / 2, py)
    px = px - np.clip(px, -2 * rt, 0)
    triangle = -np.sqrt(px * px + py * py) * np.sign(py)
    t = 0.35 * r  # cross arm half thickness
    cross = np.minimum(
        np.maximum(np.abs(dx) - r, np.abs(dy) - t),
        np.maximum(np.abs(dx) - t, np.abs(dy) - r),
    )
    s = shape[:, None, None]
    return np.where(s == 0, circle, np.where(s == 1, square, np.where(s == 2, triangle, cross)))


def render(attrs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """uint8 [n, 64, 64, 3] images for the attribute arrays (jitter drawn from rng)."""
    n = len(attrs["shape"])
    pos = attrs["position"]
    cx = _CENTRES[pos % 3] + rng.uniform(-_JITTER, _JITTER, n)
    cy = _CENTRES[pos // 3] + rng.uniform(-_JITTER, _JITTER, n)
    base_r = np.where(attrs["size"] == 0, _RADIUS["small"], _RADIUS["large"])
    r = base_r + rng.uniform(-_RADIUS_JITTER, _RADIUS_JITTER, n)
    ys, xs = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE].astype(np.float32) + 0.5
    dx = xs[None] - cx[:, None, None].astype(np.float32)
    dy = -(ys[None] - cy[:, None, None].astype(np.float32))
    d = _sdf(attrs["shape"], dx, dy, r[:, None, None].astype(np.float32))
    alpha = np.clip(0.5 - d, 0.0, 1.0)[..., None]  # 1-pixel anti-aliased edge
    fg = np.array([COLOR_RGB[c] for c in COLORS], dtype=np.float64)[attrs["color"]]
    bg = np.array([BACKGROUND_RGB[b] for b in BACKGROUNDS], dtype=np.float64)[attrs["background"]]
    fg = fg + rng.integers(-_COLOR_JITTER, _COLOR_JITTER + 1, size=fg.shape)
    bg = bg + rng.integers(-_COLOR_JITTER, _COLOR_JITTER + 1, size=bg.shape)
    img = alpha * fg[:, None, None, :] + (1 - alpha) * bg[:, None, None, :]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- captions

_SIZE_WORDS = {"small": ["small", "little", "tiny"], "large": ["large", "big"]}
_POS_PHRASES = {
    "top left": ["at the top left", "in the top left corner", "in the upper left"],
    "top": ["at the top", "at the top centre", "in the upper middle"],
    "top right": ["at the top right", "in the top right corner", "in the upper right"],
    "left": ["on the left", "at the centre left", "in the middle left"],
    "centre": ["in the centre", "in the center", "in the middle"],
    "right": ["on the right", "at the centre right", "in the middle right"],
    "bottom left": ["at the bottom left", "in the bottom left corner", "in the lower left"],
    "bottom": ["at the bottom", "at the bottom centre", "in the lower middle"],
    "bottom right": ["at the bottom right", "in the bottom right corner", "in the lower right"],
}
_TEMPLATES = [
    "{a} {size} {color} {shape} {pos} on a {bg} background",
    "{bg} background, {size} {color} {shape} {pos}",
    "{a} {size} {color} {shape} {pos}, {bg} background",
    "{Pos}, {a} {size} {color} {shape} on a {bg} background",
    "an image of {a} {size} {color} {shape} {pos} against a {bg} background",
    "{size} {color} {shape} {pos} on {bg}",
    "on a {bg} background, {a} {color} {shape}, {size}, {pos}",
]


def caption(shape: int, color: int, position: int, size: int, background: int,
            rng: np.random.Generator) -> str:
    """One templated caption; wording (template, synonyms) is drawn from rng."""
    size_word = _SIZE_WORDS[SIZES[size]][rng.integers(len(_SIZE_WORDS[SIZES[size]]))]
    phrases = _POS_PHRASES[POSITIONS[position]]
    pos = phrases[rng.integers(len(phrases))]
    template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
    # The article agrees with the word right after it ("an orange", "a big").
    first = template.split("{a} ")[1].split(" ")[0] if "{a} " in template else "{size}"
    nxt = {"{size}": size_word, "{color}": COLORS[color]}.get(first, "x")
    article = "an" if nxt[0] in "aeiou" else "a"
    return template.format(a=article, size=size_word, color=COLORS[color], shape=SHAPES[shape],
                           pos=pos, Pos=pos, bg=BACKGROUNDS[background])


def captions(attrs: dict[str, np.ndarray], rng: np.random.Generator) -> list[str]:
    return [caption(*(int(attrs[k][i]) for k in ATTRIBUTES), rng) for i in range(len(attrs["shape"]))]


def vocabulary_words() -> list[str]:
    """Every word any caption can contain, sorted (the tokenizer's vocabulary)."""
    import re
    words: set[str] = set()
    texts = list(_TEMPLATES) + [p for ps in _POS_PHRASES.values() for p in ps]
    texts += [w for ws in _SIZE_WORDS.values() for w in ws] + COLORS + SHAPES + BACKGROUNDS
    texts += ["a", "an"]
    for t in texts:
        t = re.sub(r"\{[a-zA-Z]+\}", " ", t)
        words.update(re.findall(r"\w+|[^\w\s]+", t.lower()))
    return sorted(words)


def make_dataset(seed: int, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Attributes and uint8 images for n scenes from a seed, in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    attrs = sample_attributes(rng, n)
    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for i in range(0, n, 2048):
        sl = slice(i, min(n, i + 2048))
        images[sl] = render({k: v[sl] for k, v in attrs.items()}, rng)
    return attrs, images


if __name__ == "__main__":
    import time
    t = time.time()
    a, im = make_dataset(0, 4096)
    print(f"4096 scenes in {time.time() - t:.2f}s")
    r = np.random.default_rng(1)
    for i in range(8):
        print(caption(*(int(a[k][i]) for k in ATTRIBUTES), r))
    print(len(vocabulary_words()), vocabulary_words())
