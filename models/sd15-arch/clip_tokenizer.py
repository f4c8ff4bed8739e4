"""A CLIP ViT-L/14-format `tokenizer.json` with CLIP's byte-level alphabet and no merges.

openai/clip-vit-large-patch14's tokenizer.json cannot be fetched on the build machines. This one has the
same normalizer, pre-tokenizer, BPE options and post-processor (transformers' CLIPConverter), and its
ids 0-511 are CLIP's own: the 256 byte symbols in CLIP's `bytes_to_unicode` order, then the same with
`</w>` (so `a</w>` is 320 as in CLIP). Without merges every word is spelled out one byte per token.
The start and end tokens take the ids given (49406 and 49407 in CLIP; 512 and 513 for the narrow
stand-in, whose vocabulary is 514).
"""

from __future__ import annotations

import json

# CLIP's pre-tokenizer regex (openai/CLIP simple_tokenizer.py, as the hub file carries it).
SPLIT_REGEX = ("<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|"
               "[^\\s\\p{L}\\p{N}]+")


def bytes_to_unicode() -> dict[int, str]:
    """openai/CLIP's map from bytes to printable characters (printable ones first, in byte order)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def clip_byte_tokenizer(bos_id: int, eos_id: int) -> dict:
    symbols = list(bytes_to_unicode().values())
    vocab = {s: i for i, s in enumerate(symbols + [s + "</w>" for s in symbols])}
    vocab["<|startoftext|>"] = bos_id
    vocab["<|endoftext|>"] = eos_id
    special = dict(single_word=False, lstrip=False, rstrip=False, special=True)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": bos_id, "content": "<|startoftext|>", **special, "normalized": True},
            {"id": eos_id, "content": "<|endoftext|>", **special, "normalized": False},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_REGEX}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", eos_id],
                           "cls": ["<|startoftext|>", bos_id], "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": []},
    }


def encode(text: str, bos_id: int, eos_id: int, length: int = 77) -> list[int]:
    """What the tokenizer above gives for plain lower-case ASCII words (the reference prompt):
    [BOS], each word's bytes (the last with </w>), [EOS], padded with [EOS] to `length`."""
    table = bytes_to_unicode()
    index = {s: i for i, s in enumerate(table.values())}
    ids = [bos_id]
    for word in text.lower().split():
        codes = [index[table[b]] for b in word.encode()]
        codes[-1] += 256
        ids += codes
    ids.append(eos_id)
    return (ids + [eos_id] * length)[:length]


def write(path: str, bos_id: int, eos_id: int) -> None:
    with open(path, "w") as f:
        json.dump(clip_byte_tokenizer(bos_id, eos_id), f, ensure_ascii=False)
