"""The synthetic data set: original folder layout, deterministic by seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generate_data import class_names, generate, main


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.jpg")):
        h.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def test_layout_and_determinism(tmp_path: Path) -> None:
    counts = generate(
        tmp_path / "a", classes=6, per_class={"train": 3, "valid": 1, "test": 2}, image_size=24, seed=7
    )
    assert counts == {"train": 18, "valid": 6, "test": 12}
    assert sorted(p.name for p in (tmp_path / "a" / "train").iterdir()) == class_names(6)
    assert class_names(6)[0] == "001.Circle_red" and len(set(class_names(36))) == 36
    main(["--out", str(tmp_path / "b"), "--classes", "6", "--per-class-train", "3", "--per-class-valid", "1",
          "--per-class-test", "2", "--image-size", "24", "--seed", "7"])  # fmt: skip
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    generate(tmp_path / "c", classes=6, per_class={"train": 3, "valid": 1, "test": 2}, image_size=24, seed=8)
    assert digest(tmp_path / "a") != digest(tmp_path / "c")
