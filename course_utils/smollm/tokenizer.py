"""The model's byte-level BPE tokenizer, rebuilt from the GGUF metadata.

The file stores the vocabulary (each token spelled in the GPT-2 byte alphabet,
where every byte has a printable stand-in such as ``Ġ`` for a space), the
ranked merges, and the name of the pre-tokenizer that splits text into words
before merging. The ``tokenizers`` library does the merging.
"""
from __future__ import annotations

from typing import Any, Sequence

from .gguf_fields import has_field, read_field

__all__ = ["SmolTokenizer", "tokenizer_from_gguf", "PRE_TOKENIZERS"]

CONTROL_TOKEN_TYPE = 3  # llama.cpp's token type for special tokens such as <|im_start|>


def _pre_tokenizer(kind: str) -> Any:
    from tokenizers import pre_tokenizers

    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if kind == "smollm":
        # SmolLM splits every digit on its own before the usual GPT-2 word split.
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    return byte_level


PRE_TOKENIZERS = ("smollm", "default", "gpt2")


class SmolTokenizer:
    """Text <-> token ids for the real model.

    Parameters
    ----------
    tokens : list of str
        Vocabulary in id order, spelled in the byte alphabet.
    merges : list of str
        BPE merges, highest priority first, each ``"left right"``.
    pre : str
        Pre-tokenizer name from the file (``tokenizer.ggml.pre``).
    special : list of int
        Ids of control tokens that must be matched whole in text.
    bos_id, eos_id : int
        Beginning- and end-of-sequence ids.
    """

    def __init__(
        self,
        tokens: list[str],
        merges: list[str],
        pre: str,
        special: list[int],
        bos_id: int,
        eos_id: int,
    ) -> None:
        from tokenizers import AddedToken, Tokenizer, decoders, models

        if pre not in PRE_TOKENIZERS:
            raise ValueError(f"unsupported pre-tokenizer {pre!r} in the GGUF file; supported: {PRE_TOKENIZERS}")
        vocab = {tok: i for i, tok in enumerate(tokens)}
        pairs = [tuple(m.split(" ", 1)) for m in merges]
        self._tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False))
        self._tok.pre_tokenizer = _pre_tokenizer(pre)
        self._tok.decoder = decoders.ByteLevel()
        self._tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False) for i in special])
        self._pre = pre
        self.vocab_size = len(tokens)
        self.bos_id = bos_id
        self.eos_id = eos_id
        self.special_ids = frozenset(special)

    def to_json(self) -> str:
        """The whole tokenizer in the ``tokenizers`` library's JSON (see :meth:`from_json`)."""
        return self._tok.to_str()

    def settings(self) -> dict:
        """What :meth:`from_json` needs besides the JSON: sizes, special ids, pre-tokenizer name."""
        return {"vocab_size": self.vocab_size, "bos_id": self.bos_id, "eos_id": self.eos_id,
                "special": sorted(self.special_ids), "pre": self._pre}

    @classmethod
    def from_json(cls, text: str, settings: dict) -> "SmolTokenizer":
        """Rebuild a tokenizer saved with :meth:`to_json` and :meth:`settings` (much faster than from GGUF)."""
        from tokenizers import Tokenizer

        self = cls.__new__(cls)
        self._tok = Tokenizer.from_str(text)
        self._pre = settings["pre"]
        self.vocab_size = int(settings["vocab_size"])
        self.bos_id, self.eos_id = int(settings["bos_id"]), int(settings["eos_id"])
        self.special_ids = frozenset(int(i) for i in settings["special"])
        return self

    def encode(self, text: str, add_bos: bool = False) -> list[int]:
        """Token ids for ``text``; no BOS token unless ``add_bos=True``.

        Control tokens written in the text (``"<|im_start|>"``) become one id each.
        """
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}; decode() turns ids back into text")
        ids = self._tok.encode(text, add_special_tokens=False).ids
        return [self.bos_id, *ids] if add_bos else list(ids)

    def decode(self, ids: Sequence[int]) -> str:
        """Text for a sequence of ids (control tokens are kept as written)."""
        ids = [int(i) for i in ids]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise ValueError(f"token ids must lie in 0..{self.vocab_size - 1}; got {bad[:5]}")
        return self._tok.decode(ids, skip_special_tokens=False)

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        """Each id decoded on its own (a partial UTF-8 character shows as ``�``)."""
        return [self.decode([i]) for i in ids]

    def vocab_entry(self, token_id: int) -> str:
        """The raw vocabulary spelling of one token (byte alphabet, e.g. ``'ĠParis'``)."""
        token_id = int(token_id)
        if not 0 <= token_id < self.vocab_size:
            raise ValueError(f"token ids must lie in 0..{self.vocab_size - 1}; got {token_id}")
        return self._tok.id_to_token(token_id)

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return f"SmolTokenizer(vocab_size={self.vocab_size}, bos_id={self.bos_id}, eos_id={self.eos_id})"


def tokenizer_from_gguf(reader: Any) -> SmolTokenizer:
    """Build the tokenizer stored in an open GGUF file."""
    model = read_field(reader, "tokenizer.ggml.model")
    if model != "gpt2":
        raise ValueError(f"expected a byte-level BPE ('gpt2') tokenizer in the GGUF file, found {model!r}")
    tokens = read_field(reader, "tokenizer.ggml.tokens")
    types = read_field(reader, "tokenizer.ggml.token_type")
    pre = read_field(reader, "tokenizer.ggml.pre") if has_field(reader, "tokenizer.ggml.pre") else "default"
    return SmolTokenizer(
        tokens=tokens,
        merges=read_field(reader, "tokenizer.ggml.merges"),
        pre=pre,
        special=[i for i, t in enumerate(types) if t == CONTROL_TOKEN_TYPE],
        bos_id=int(read_field(reader, "tokenizer.ggml.bos_token_id")),
        eos_id=int(read_field(reader, "tokenizer.ggml.eos_token_id")),
    )
