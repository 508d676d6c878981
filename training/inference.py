"""SageMaker PyTorch inference handlers (copied into the model's code/ folder by training).

Requests (Content-Type):
    image/jpeg, image/png, application/x-image   raw image bytes, one image
    application/json   {"image": "<base64>"} or {"images": ["<base64>", ...]}, optional "top_k"

Response (application/json), one entry per image in request order:
    {"predictions": [[{"label": "001.Circle_red", "index": 0, "probability": 0.97}, ...], ...],
     "scores": [[<logit per class>, ...], ...]}

"scores" is the original endpoint's raw-logits body, kept for existing clients. The container
never downloads anything: URLs are fetched by the Lambda in front of the endpoint.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError

from model_def import LABELS_FILE, WEIGHTS_FILE, ModelConfig, build_model, eval_transform

IMAGE_TYPES = {"image/jpeg", "image/png", "application/x-image"}
JSON_TYPE = "application/json"
DEFAULT_TOP_K = 5
MAX_IMAGES = 32  # per request; bounds memory for a batch
MAX_PIXELS = 40_000_000  # decoded size cap: a small JPEG can decode to gigabytes


class InferenceError(ValueError):
    """A request the endpoint cannot serve; `status` is the HTTP code serve.py answers with."""

    status = 400


class UnsupportedContentType(InferenceError):
    status = 415


class UnsupportedAccept(InferenceError):
    status = 406


@dataclass
class LoadedModel:
    net: torch.nn.Module
    config: ModelConfig
    labels: list[str]
    device: torch.device
    transform: Callable[[Image.Image], torch.Tensor]


@dataclass
class Batch:
    images: list[Image.Image]
    top_k: int


def model_fn(model_dir: str) -> LoadedModel:
    root = Path(model_dir)
    config = ModelConfig.load(root)
    net = build_model(config.arch, config.num_classes, pretrained=False, hidden_units=config.hidden_units)
    state = torch.load(root / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    net.load_state_dict(state)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net.to(device).eval()
    labels_path = root / LABELS_FILE
    names = json.loads(labels_path.read_text()) if labels_path.exists() else {}
    labels = [str(names.get(str(i), i)) for i in range(config.num_classes)]
    return LoadedModel(net, config, labels, device, eval_transform(config))


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _decode_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise InferenceError(f"image is {image.width}x{image.height}; at most {MAX_PIXELS} pixels")
        image.load()
    except InferenceError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        # PIL reports truncated/corrupt files with any of these; the client only needs "bad image".
        raise InferenceError(f"body is not a readable image ({type(err).__name__})") from None
    return image.convert("RGB")  # PNG with alpha, greyscale, CMYK JPEG: the net wants RGB


def _from_base64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise InferenceError(f"{where} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InferenceError(f"{where} is not valid base64") from None


def _json_images(body: bytes) -> tuple[list[bytes], int]:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InferenceError("body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise InferenceError('JSON body must be an object like {"image": "<base64>"}')
    if "url" in doc and "image" not in doc and "images" not in doc:
        raise InferenceError(
            "this endpoint does not fetch URLs; send the image itself (the Lambda fetches URLs "
            'and forwards {"image": "<base64>"} or image/jpeg bytes)'
        )
    top_k = doc.get("top_k", DEFAULT_TOP_K)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InferenceError("top_k must be a positive integer")
    if "images" in doc:
        if not isinstance(doc["images"], list) or not doc["images"]:
            raise InferenceError('"images" must be a non-empty list of base64 strings')
        return [_from_base64(v, f"images[{i}]") for i, v in enumerate(doc["images"])], top_k
    if "image" in doc:
        return [_from_base64(doc["image"], '"image"')], top_k
    raise InferenceError('JSON body needs "image" (base64) or "images" (list of base64)')


def input_fn(request_body: bytes | bytearray | str, request_content_type: str | None) -> Batch:
    """Decode the request into a normalised batch; raises InferenceError (a ValueError) if bad."""
    kind = _base_type(request_content_type)
    body = request_body.encode() if isinstance(request_body, str) else bytes(request_body)
    if not body:
        raise InferenceError("request body is empty")
    if kind in IMAGE_TYPES:
        raw, top_k = [body], DEFAULT_TOP_K
    elif kind == JSON_TYPE:
        raw, top_k = _json_images(body)
    else:
        accepted = ", ".join(sorted(IMAGE_TYPES | {JSON_TYPE}))
        raise UnsupportedContentType(
            f"unsupported content type {request_content_type!r}; use one of {accepted}"
        )
    if len(raw) > MAX_IMAGES:
        raise InferenceError(f"{len(raw)} images in one request; at most {MAX_IMAGES}")
    # Decoded here, transformed in predict_fn: only the model knows its image size.
    return Batch(images=[_decode_image(b) for b in raw], top_k=top_k)


def predict_fn(input_data: Batch, model: LoadedModel) -> dict[str, Any]:
    batch = torch.stack([model.transform(image) for image in input_data.images]).to(model.device)
    with torch.inference_mode():
        logits = model.net(batch).float().cpu()
    return {
        "logits": logits,
        "top_k": min(input_data.top_k, model.config.num_classes),
        "labels": model.labels,
    }


def output_fn(prediction: dict[str, Any], accept: str | None) -> tuple[str, str]:
    kind = _base_type(accept)
    if kind not in ("", "*/*", JSON_TYPE, "application/*"):
        raise UnsupportedAccept(f"unsupported accept type {accept!r}; only {JSON_TYPE}")
    logits: torch.Tensor = prediction["logits"]
    probabilities = torch.softmax(logits, dim=1)
    top = probabilities.topk(prediction["top_k"], dim=1)
    labels: list[str] = prediction["labels"]
    predictions = [
        [{"label": labels[i], "index": i, "probability": round(p, 6)} for p, i in zip(ps, ids)]
        for ps, ids in zip(top.values.tolist(), top.indices.tolist())
    ]
    body = {"predictions": predictions, "scores": logits.tolist()}
    # A (body, content type) tuple: the inference toolkit then sends application/json even for */*.
    return json.dumps(body), JSON_TYPE
