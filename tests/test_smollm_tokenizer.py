"""The SmolLM2 tokenizer rebuilt from the GGUF metadata, without any reference library."""
import re

import pytest

from course_utils.smollm import load_model

VARIED = [
    "Hello, world!",
    "The year 2024 had 366 days; pi is 3.14159.",
    "naïve café — déjà vu, Straße, Ærøskøbing",
    "日本語のテキストと한국어 텍스트",
    "emoji 🎉🚀 and a family 👨‍👩‍👧 and flags 🇫🇷",
    "multiple   spaces,\ttabs\tand\nnew\n\nlines\r\n  indented",
    "   leading and trailing spaces   ",
    "def f(x):\n    return x ** 2  # square\n",
    "it's they're we'll I'd",
    "1 2 3  4   5\n6",
    "",
    "\u00a0non-breaking\u2009thin space",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n",
]


@pytest.fixture(scope="module")
def tok():
    return load_model().tokenizer


@pytest.mark.parametrize("text", VARIED)
def test_round_trip(tok, text):
    ids = tok.encode(text)
    assert all(isinstance(i, int) and 0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == text


def test_vocabulary_size_and_special_ids_come_from_the_file(tok):
    model = load_model()
    assert tok.vocab_size == model.config.vocab_size == len(tok)
    assert tok.bos_id == model.config.bos_token_id
    assert tok.eos_id == model.config.eos_token_id
    assert tok.decode([tok.eos_id]) == "<|im_end|>"


def test_no_bos_unless_asked(tok):
    ids = tok.encode("Hello")
    assert tok.bos_id not in ids
    assert tok.encode("Hello", add_bos=True) == [tok.bos_id, *ids]


def test_common_words_are_single_tokens_with_leading_space(tok):
    for word in [" the", " Paris", " France", " capital"]:
        ids = tok.encode(word)
        assert len(ids) == 1, f"{word!r} -> {tok.token_strings(ids)}"
        assert tok.vocab_entry(ids[0]) == "Ġ" + word[1:]


def test_control_tokens_are_matched_whole(tok):
    ids = tok.encode("<|im_start|>assistant")
    assert ids[0] == tok.encode("<|im_start|>")[0]
    assert len(tok.encode("<|im_start|>")) == 1
    assert tok.token_strings(ids)[0] == "<|im_start|>"


def test_digits_are_split_one_by_one(tok):
    ids = tok.encode("x 1234567")
    pieces = tok.token_strings(ids)
    assert pieces[-7:] == list("1234567")
    # the vocabulary itself never holds a token with more than one digit
    assert not any(len(re.findall(r"\d", tok.vocab_entry(i))) > 1 for i in range(tok.vocab_size))


def test_runs_of_spaces_merge_into_one_token(tok):
    ids = tok.encode("a" + " " * 8 + "b")
    assert len(ids) < 8


def test_bad_input_errors(tok):
    with pytest.raises(TypeError, match="str"):
        tok.encode([1, 2, 3])
    with pytest.raises(ValueError, match="0..49151"):
        tok.decode([5, 49152])
