"""Linear heads stored as plain numpy arrays (no pickles): softmax over classes, or one logit for a flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import scipy.sparse as sp

Matrix: TypeAlias = Any  # a numpy array or a scipy sparse matrix


@dataclass(frozen=True)
class LinearHead:
    """Weights (classes x features, or 1 x features for a flag) and biases of a trained linear model."""

    weights: sp.csr_matrix | np.ndarray
    bias: np.ndarray
    classes: tuple[str, ...]
    # One-versus-rest heads (stochastic gradient on n-grams) normalise per-class sigmoids;
    # multinomial heads (on embeddings) use a softmax.
    one_vs_rest: bool = False

    def logits(self, x: Matrix) -> np.ndarray:
        out: Any = x @ self.weights.T
        if sp.issparse(out):
            out = out.toarray()
        return np.asarray(out, dtype=np.float64) + self.bias

    def probabilities(self, x: Matrix) -> np.ndarray:
        """Class probabilities; for a flag, one column: the probability that it is true."""
        z = self.logits(x)
        if len(self.classes) == 1:
            return np.asarray(1.0 / (1.0 + np.exp(-z)))
        if self.one_vs_rest:
            p = 1.0 / (1.0 + np.exp(-z))
            return np.asarray(p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12))
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        arrays = {
            f"{prefix}.bias": self.bias,
            f"{prefix}.classes": np.array(self.classes),
            f"{prefix}.one_vs_rest": np.array(self.one_vs_rest),
        }
        if sp.issparse(self.weights):
            w = sp.csr_matrix(self.weights)
            arrays |= {
                f"{prefix}.w_data": w.data.astype(np.float16),
                f"{prefix}.w_indices": w.indices.astype(np.int32),
                f"{prefix}.w_indptr": w.indptr.astype(np.int64),
                f"{prefix}.w_shape": np.array(w.shape),
            }
        else:
            arrays[f"{prefix}.w_dense"] = np.asarray(self.weights, dtype=np.float32)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LinearHead:
        classes = tuple(str(c) for c in arrays[f"{prefix}.classes"])
        if f"{prefix}.w_dense" in arrays:
            weights: sp.csr_matrix | np.ndarray = arrays[f"{prefix}.w_dense"].astype(np.float32)
        else:
            weights = sp.csr_matrix(
                (
                    arrays[f"{prefix}.w_data"].astype(np.float32),
                    arrays[f"{prefix}.w_indices"],
                    arrays[f"{prefix}.w_indptr"],
                ),
                shape=tuple(arrays[f"{prefix}.w_shape"]),
            )
        return cls(
            weights=weights,
            bias=arrays[f"{prefix}.bias"].astype(np.float64),
            classes=classes,
            one_vs_rest=bool(arrays[f"{prefix}.one_vs_rest"]),
        )


def sparsify(weights: np.ndarray, keep: float = 1e-4) -> sp.csr_matrix:
    """Drop the near-zero weights of hashed features never seen in training: the file stays small."""
    w = np.where(np.abs(weights) < keep, 0.0, weights)
    return sp.csr_matrix(w.astype(np.float32))
