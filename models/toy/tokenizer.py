"""Word-level tokenizer for the toy model, and its Hugging Face `tokenizers` JSON.

Pipeline (identical in tokenizer.json, so a runtime can use either):
    lowercase -> split on \\w+ | [^\\w\\s]+ (the `Whitespace` pre-tokenizer)
    -> word ids ([UNK] for unknown words) -> [BOS] ids [EOS], truncated to 77
    -> padded with [PAD] (id 0) to 77.
"""

from __future__ import annotations

import json
import re

import numpy as np

from scenes import vocabulary_words

CONTEXT_LENGTH = 77
SPECIAL = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
_SPLIT = re.compile(r"\w+|[^\w\s]+")


def build_vocab() -> dict[str, int]:
    words = SPECIAL + vocabulary_words()
    return {w: i for i, w in enumerate(words)}


class WordTokenizer:
    def __init__(self, vocab: dict[str, int] | None = None):
        self.vocab = vocab or build_vocab()

    def encode(self, text: str) -> list[int]:
        ids = [self.vocab.get(w, UNK_ID) for w in _SPLIT.findall(text.lower())]
        ids = [BOS_ID] + ids[: CONTEXT_LENGTH - 2] + [EOS_ID]
        return ids + [PAD_ID] * (CONTEXT_LENGTH - len(ids))

    def __call__(self, texts: list[str]) -> np.ndarray:
        """int64 [len(texts), 77]."""
        return np.array([self.encode(t) for t in texts], dtype=np.int64)

    def to_hf_json(self) -> dict:
        """The tokenizer in the `tokenizers` library's serialisation (tokenizer.json)."""
        added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for i, t in enumerate(SPECIAL)]
        return {
            "version": "1.0",
            # max_length 77 includes [BOS] and [EOS], as in CLIP's tokenizer.
            "truncation": {"direction": "Right", "max_length": CONTEXT_LENGTH,
                           "strategy": "LongestFirst", "stride": 0},
            "padding": {"strategy": {"Fixed": CONTEXT_LENGTH}, "direction": "Right",
                        "pad_to_multiple_of": None, "pad_id": PAD_ID, "pad_type_id": 0,
                        "pad_token": "[PAD]"},
            "added_tokens": added,
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[EOS]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": "[EOS]", "type_id": 1}}],
                "special_tokens": {
                    "[BOS]": {"id": "[BOS]", "ids": [BOS_ID], "tokens": ["[BOS]"]},
                    "[EOS]": {"id": "[EOS]", "ids": [EOS_ID], "tokens": ["[EOS]"]},
                },
            },
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": "[UNK]"},
        }

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_hf_json(), f, indent=1)
            f.write("\n")
