"""A character-level tokenizer built locally: one token per character, no download.

Saved as a ``transformers`` fast tokenizer (``tokenizer.json``), so lm-eval's ``hf`` model loads it
from the model folder with ``AutoTokenizer``. Special tokens: ``<pad>`` (0) and ``<eos>`` (1, also
the BOS token lm-eval prepends to an empty context).
"""

from __future__ import annotations

from pathlib import Path

from .tasks import ALPHABET

SPECIALS = ("<pad>", "<eos>")


def build(alphabet: str = ALPHABET):
    """A ``PreTrainedTokenizerFast`` with one token per character of ``alphabet``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: k for k, token in enumerate(SPECIALS)}
    for char in alphabet:
        vocab.setdefault(char, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=None))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")  # every character
    core.decoder = decoders.Fuse()  # decode by concatenation, no spaces between tokens
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>",
                                   bos_token="<eos>", model_max_length=10**6)


def save(folder: Path, alphabet: str = ALPHABET):
    tokenizer = build(alphabet)
    tokenizer.save_pretrained(folder)
    return tokenizer
