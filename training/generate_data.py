"""Synthetic, learnable ImageFolder data in the original project's layout.

    python training/generate_data.py --out data --classes 5 --per-class-train 40 --seed 0

writes ``data/{train,valid,test}/NNN.Shape_colour/*.jpg``. Each class is a distinct shape and
colour (the first six differ in both), drawn at a random position and size on a noisy
background with jittered colour, so a small CNN must actually learn it but can in a few
epochs. Every image depends only on (seed, split, class, index): the same seed gives the same
bytes whatever else changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("Circle", "Square", "Triangle", "Cross", "Ring", "Stripes")
COLOURS = {
    "red": (220, 40, 40),
    "blue": (40, 70, 220),
    "green": (40, 180, 60),
    "yellow": (230, 210, 40),
    "magenta": (200, 50, 200),
    "cyan": (40, 200, 210),
}
SPLITS = ("train", "valid", "test")
MAX_CLASSES = len(SHAPES) * len(COLOURS)


def class_names(num_classes: int) -> list[str]:
    """`001.Circle_red` style names; shape and colour pairs never repeat."""
    if not 1 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"classes must be between 1 and {MAX_CLASSES}")
    colours = list(COLOURS)
    names = []
    for i in range(num_classes):
        # Class i+6k keeps the shape of class i with the colour shifted by k: all pairs distinct.
        shape, colour = SHAPES[i % len(SHAPES)], colours[(i + i // len(SHAPES)) % len(colours)]
        names.append(f"{i + 1:03d}.{shape}_{colour}")
    return names


def _draw_shape(
    draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill: tuple[int, ...]
) -> None:
    x0, y0, x1, y1 = box
    w = x1 - x0
    if shape == "Circle":
        draw.ellipse(box, fill=fill)
    elif shape == "Square":
        draw.rectangle(box, fill=fill)
    elif shape == "Triangle":
        draw.polygon([(x0 + w // 2, y0), (x1, y1), (x0, y1)], fill=fill)
    elif shape == "Cross":
        t = max(2, w // 3)
        draw.rectangle((x0 + (w - t) // 2, y0, x0 + (w + t) // 2, y1), fill=fill)
        draw.rectangle((x0, y0 + (w - t) // 2, x1, y0 + (w + t) // 2), fill=fill)
    elif shape == "Ring":
        draw.ellipse(box, outline=fill, width=max(2, w // 6))
    else:  # Stripes: a texture rather than an outline
        step = max(3, w // 5)
        for y in range(y0, y1, 2 * step):
            draw.rectangle((x0, y, x1, min(y1, y + step - 1)), fill=fill)


def make_image(name: str, size: int, rng: np.random.Generator) -> Image.Image:
    """One image of class `name` (e.g. `001.Circle_red`)."""
    shape, colour = name.split(".", 1)[1].split("_")
    base = np.array(COLOURS[colour])
    # A greyish background (small tint) keeps colour a usable cue; texture noise keeps it non-trivial.
    background = rng.integers(70, 150) + rng.integers(-12, 13, size=3)
    pixels = np.clip(background + rng.normal(0, 14, size=(size, size, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    side = int(rng.uniform(0.45, 0.8) * size)
    x0, y0 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
    fill = tuple(int(c) for c in np.clip(base + rng.integers(-25, 26, size=3), 0, 255))
    _draw_shape(ImageDraw.Draw(image), shape, (x0, y0, x0 + side, y0 + side), fill)
    noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, 8, size=(size, size, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def generate(
    out: Path,
    classes: int = 5,
    per_class: dict[str, int] | None = None,
    image_size: int = 64,
    seed: int = 0,
) -> dict[str, int]:
    """Write the data set under `out`; returns the number of images per split."""
    counts = {"train": 40, "valid": 10, "test": 10, **(per_class or {})}
    names = class_names(classes)
    written = {}
    for split_index, split in enumerate(SPLITS):
        for class_index, name in enumerate(names):
            folder = out / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(counts[split]):
                rng = np.random.default_rng([seed, split_index, class_index, i])
                image = make_image(name, image_size, rng)
                image.save(folder / f"{name.split('.', 1)[1]}_{i:05d}.jpg", quality=90)
        written[split] = counts[split] * classes
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--per-class-train", type=int, default=40)
    parser.add_argument("--per-class-valid", type=int, default=10)
    parser.add_argument("--per-class-test", type=int, default=10)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.image_size < 16:
        parser.error("--image-size must be at least 16")
    per_class = {"train": args.per_class_train, "valid": args.per_class_valid, "test": args.per_class_test}
    written = generate(args.out, args.classes, per_class, args.image_size, args.seed)
    print(" ".join(f"{split}={n}" for split, n in written.items()), f"images in {args.out}")


if __name__ == "__main__":
    main()
