"""The model dir as the SageMaker PyTorch inference container sees it, and its handlers."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

import inference
from conftest import IMAGE_SIZE, TRAINING, Run
from generate_data import class_names, make_image


def held_out_jpeg(class_index: int, fmt: str = "JPEG") -> bytes:
    """A fresh image the model never saw (its own seed), encoded like an upload."""
    rng = np.random.default_rng([12345, class_index])
    image = make_image(class_names(5)[class_index], IMAGE_SIZE, rng)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def model(trained: Run) -> inference.LoadedModel:
    return inference.model_fn(str(trained.model_dir))


def invoke(model: inference.LoadedModel, body: bytes, content_type: str) -> dict:
    payload, content_type = inference.output_fn(
        inference.predict_fn(inference.input_fn(body, content_type), model), "application/json"
    )
    assert content_type == "application/json"
    return json.loads(payload)


def test_model_dir_has_the_inference_container_layout(trained: Run) -> None:
    files = {p.relative_to(trained.model_dir).as_posix() for p in trained.model_dir.rglob("*") if p.is_file()}
    assert files == {
        "model.pth", "model_config.json", "labels.json", "metrics.json",
        "code/inference.py", "code/model_def.py", "code/requirements.txt",
    }  # fmt: skip
    for name in ("inference.py", "model_def.py", "requirements.txt"):
        assert (trained.model_dir / "code" / name).read_bytes() == (TRAINING / name).read_bytes()
    labels = json.loads((trained.model_dir / "labels.json").read_text())
    assert labels == {str(i): name for i, name in enumerate(class_names(5))}
    config = json.loads((trained.model_dir / "model_config.json").read_text())
    assert (config["arch"], config["num_classes"], config["image_size"]) == ("resnet18", 5, IMAGE_SIZE)


def test_code_folder_is_self_contained(trained: Run, tmp_path: Path) -> None:
    # The container puts only code/ on sys.path: nothing may import from training/.
    script = (
        "import sys; sys.path.insert(0, '.'); import inference as i; print(i.model_fn(sys.argv[1]).labels[0])"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script, str(trained.model_dir)],
        cwd=trained.model_dir / "code", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "001.Circle_red"


@pytest.mark.parametrize("class_index", [0, 3])
def test_jpeg_round_trip_predicts_the_true_class(model: inference.LoadedModel, class_index: int) -> None:
    result = invoke(model, held_out_jpeg(class_index), "image/jpeg")
    (top,) = result["predictions"]
    assert top[0]["label"] == class_names(5)[class_index] and top[0]["index"] == class_index
    assert len(top) == 5 and top[0]["probability"] >= top[1]["probability"]
    assert abs(sum(p["probability"] for p in top) - 1.0) < 1e-3  # all 5 classes: softmax sums to 1
    assert len(result["scores"]) == 1 and len(result["scores"][0]) == 5  # raw logits, as the original


def test_base64_json_batch_and_png(model: inference.LoadedModel) -> None:
    images = [base64.b64encode(held_out_jpeg(i, "PNG")).decode() for i in range(5)]
    result = invoke(model, json.dumps({"images": images, "top_k": 2}).encode(), "application/json")
    assert [p[0]["label"] for p in result["predictions"]] == class_names(5)
    assert all(len(p) == 2 for p in result["predictions"])
    single = invoke(model, json.dumps({"image": images[2]}).encode(), "application/json; charset=utf-8")
    assert single["predictions"][0][0]["label"] == "003.Triangle_green"


def test_rgba_and_greyscale_images_are_converted(model: inference.LoadedModel) -> None:
    for mode in ("RGBA", "L"):
        buffer = io.BytesIO()
        Image.new(mode, (40, 30)).save(buffer, "PNG")
        assert len(invoke(model, buffer.getvalue(), "image/png")["predictions"]) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"not an image", "image/jpeg", "not a readable image"),
        (b"", "image/jpeg", "empty"),
        (b"{not json", "application/json", "not valid JSON"),
        (b'{"url": "https://example.com/dog.jpg"}', "application/json", "Lambda fetches URLs"),
        (b'{"image": "%%%"}', "application/json", "not valid base64"),
        (b'{"image": "aGVsbG8="}', "application/json", "not a readable image"),
        (b'{"images": []}', "application/json", "non-empty list"),
        (b'{"image": "aGVsbG8=", "top_k": 0}', "application/json", "top_k"),
        (b"[1, 2]", "application/json", "must be an object"),
    ],
)
def test_bad_bodies_raise_clear_errors(
    model: inference.LoadedModel, body: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(inference.InferenceError, match=message) as caught:
        invoke(model, body, content_type)
    # The inference toolkit answers its own error type with the status code; anything else is a 500.
    assert isinstance(caught.value, inference.BaseInferenceToolkitError) and caught.value.status_code == 400


def test_unsupported_content_type_and_accept(model: inference.LoadedModel) -> None:
    with pytest.raises(inference.UnsupportedContentType, match="image/jpeg") as caught:
        inference.input_fn(b"a,b", "text/csv")
    assert caught.value.status_code == 415
    prediction = inference.predict_fn(inference.input_fn(held_out_jpeg(1), "image/jpeg"), model)
    with pytest.raises(inference.UnsupportedAccept) as refused:
        inference.output_fn(prediction, "text/csv")
    assert refused.value.status_code == 406
    assert json.loads(inference.output_fn(prediction, "*/*")[0])["predictions"][0][0]["index"] == 1


def big_image(fmt: str, size: tuple[int, int]) -> bytes:
    """A photo-sized image that compresses to little: what a small upload can decode to."""
    image = Image.new("RGB", size, (90, 120, 40))
    ImageDraw.Draw(image).ellipse(
        (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(200, 30, 30)
    )
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_a_request_over_the_pixel_budget_is_refused_before_decoding(model: inference.LoadedModel) -> None:
    # Three 6000x6000 PNGs: 420 kB of request, 324 MB once decoded.
    png = base64.b64encode(big_image("PNG", (6000, 6000))).decode()
    body = json.dumps({"images": [png] * 3}).encode()
    with pytest.raises(inference.InferenceError, match="108000000 pixels in one request; at most 80000000"):
        inference.input_fn(body, "application/json")


PEAK_MEMORY_SCRIPT = """
import sys
import inference

def status_kb(field):  # this process's own figures (ru_maxrss would include the parent's peak)
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

model = inference.model_fn(sys.argv[1])
inference.predict_fn(inference.input_fn(open(sys.argv[3], "rb").read(), "image/jpeg"), model)  # warm-up
open("/proc/self/clear_refs", "w").write("5")  # peak RSS := current RSS
before = status_kb("VmRSS")
body = open(sys.argv[2], "rb").read()
prediction = inference.predict_fn(inference.input_fn(body, "application/json"), model)
print(len(prediction["logits"]), (status_kb("VmHWM") - before) // 1024)
"""


def test_large_photos_decode_at_the_models_scale(trained: Run, tmp_path: Path) -> None:
    # Two 24-megapixel JPEGs: 72 MB each at full size, under 2 MB at the 1/8 scale a 32 px model needs.
    photo = base64.b64encode(big_image("JPEG", (6000, 4000))).decode()
    (tmp_path / "body.json").write_text(json.dumps({"images": [photo, photo]}))
    (tmp_path / "small.jpg").write_bytes(held_out_jpeg(0))
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_SCRIPT, str(trained.model_dir), str(tmp_path / "body.json"),
         str(tmp_path / "small.jpg")],
        cwd=TRAINING, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    predictions, peak_growth_mb = (int(v) for v in done.stdout.split())
    assert predictions == 2
    assert peak_growth_mb < 40, f"peak memory grew by {peak_growth_mb} MB for two photos"


def test_original_projects_model_pth_still_loads(tmp_path: Path) -> None:
    # The original saved only a ResNet-50 state_dict (head fc.0/fc.2, 133 breeds, no Normalize).
    import torch

    from model_def import build_model

    torch.save(build_model("resnet50", 133).state_dict(), tmp_path / "model.pth")
    legacy = inference.model_fn(str(tmp_path))
    assert (legacy.config.arch, legacy.config.num_classes, legacy.config.image_size) == ("resnet50", 133, 224)
    assert not legacy.config.normalize and legacy.labels[:2] == ["0", "1"]
    result = invoke(legacy, held_out_jpeg(0), "image/jpeg")
    assert len(result["scores"][0]) == 133 and len(result["predictions"][0]) == 5
