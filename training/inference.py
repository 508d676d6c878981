"""SageMaker PyTorch inference handlers (copied into the model's code/ folder by training).

Requests (Content-Type):
    image/jpeg, image/png, application/x-image   raw image bytes, one image
    application/json   {"image": "<base64>"} or {"images": ["<base64>", ...]}, optional "top_k"

Response (application/json), one entry per image in request order:
    {"predictions": [[{"label": "001.Circle_red", "index": 0, "probability": 0.97}, ...], ...],
     "scores": [[<logit per class>, ...], ...]}

"scores" is the original endpoint's raw-logits body, kept for existing clients. The container
never downloads anything: URLs are fetched by the Lambda in front of the endpoint.

Errors: the inference toolkit answers an exception of its own type (BaseInferenceToolkitError)
with that exception's status code and turns every other exception into a 500, so bad requests
raise InferenceError, a toolkit error (400; 415 for the content type, 406 for Accept).

Memory: input_fn reads only the image headers (size limits per image and per request); predict_fn
decodes one image at a time, JPEGs straight at the reduced scale the model needs.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError

from model_def import LABELS_FILE, WEIGHTS_FILE, ModelConfig, build_model, eval_transform

IMAGE_TYPES = {"image/jpeg", "image/png", "application/x-image"}
JSON_TYPE = "application/json"
DEFAULT_TOP_K = 5
MAX_IMAGES = 32  # per request
MAX_PIXELS = 40_000_000  # per image, from its header: a small PNG can decode to gigabytes
MAX_REQUEST_PIXELS = 80_000_000  # all images of a request together: bounds decode time

try:
    # Present in the SageMaker PyTorch inference containers.
    from sagemaker_inference.errors import BaseInferenceToolkitError
except ImportError:  # tests and serve.py without the toolkit: the same constructor and attributes

    class BaseInferenceToolkitError(Exception):  # type: ignore[no-redef]
        def __init__(self, status_code: int, message: str, phrase: str) -> None:
            self.status_code = status_code
            self.message = message
            self.phrase = phrase
            super().__init__(status_code, message, phrase)


class InferenceError(BaseInferenceToolkitError, ValueError):
    """A request the endpoint cannot serve, answered with `status_code` and the message."""

    http_status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(int(self.http_status), message, self.http_status.phrase)

    def __str__(self) -> str:
        return str(self.message)


class UnsupportedContentType(InferenceError):
    http_status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class UnsupportedAccept(InferenceError):
    http_status = HTTPStatus.NOT_ACCEPTABLE


@dataclass
class LoadedModel:
    net: torch.nn.Module
    config: ModelConfig
    labels: list[str]
    device: torch.device
    transform: Callable[[Image.Image], torch.Tensor]


@dataclass
class Batch:
    images: list[bytes]  # encoded; predict_fn decodes them one at a time
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


def _names(images: list[bytes]) -> list[str]:
    """How error messages name each image of a request."""
    return ["body"] if len(images) == 1 else [f"images[{i}]" for i in range(len(images))]


def _header(data: bytes, where: str) -> tuple[int, int]:
    """The image's size from its header alone (nothing is decoded)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise InferenceError(f"{where} is not a readable image ({type(err).__name__})") from None
    if width * height > MAX_PIXELS:
        raise InferenceError(f"{where} is {width}x{height}; at most {MAX_PIXELS} pixels per image")
    return width, height


def _decode(data: bytes, size: int, where: str) -> Image.Image:
    """RGB at no more than the resolution the model needs: a JPEG decodes straight at 1/2, 1/4
    or 1/8 scale (a 6000x4000 photo for a 224 px model: 750x500, 1/64 of the memory)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (size, size))  # a no-op for formats without scaled decoding (PNG)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        # PIL reports truncated/corrupt files with any of these; the client only needs "bad image".
        raise InferenceError(f"{where} is not a readable image ({type(err).__name__})") from None
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
    """Parse the request and check its images' headers; raises InferenceError if bad."""
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
    pixels = sum(w * h for w, h in (_header(data, name) for data, name in zip(raw, _names(raw))))
    if pixels > MAX_REQUEST_PIXELS:
        raise InferenceError(f"{pixels} pixels in one request; at most {MAX_REQUEST_PIXELS}")
    # Decoded in predict_fn: only the model knows the image size to decode at.
    return Batch(images=raw, top_k=top_k)


def predict_fn(input_data: Batch, model: LoadedModel) -> dict[str, Any]:
    size = model.config.image_size
    # One image decoded at a time: only the model-sized tensors of the batch are held together.
    images = input_data.images
    tensors = [model.transform(_decode(data, size, name)) for data, name in zip(images, _names(images))]
    batch = torch.stack(tensors).to(model.device)
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
