"""course_utils.smollm against an independent implementation: Hugging Face transformers reading the same GGUF file.

transformers dequantizes the file with its own code, undoes llama.cpp's query/key row order itself and runs its
own Llama implementation in PyTorch, so agreement here checks our weights layout, RoPE, attention, MLP and
tokenizer end to end. Skipped only when torch/transformers are not installed (CI installs them).
"""
import functools
import os
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    # CI installs the `reference` extra: a missing package there is a failure, not a skip.
    import accelerate  # noqa: F401  (transformers needs it to load GGUF files)
    import torch
    import transformers
else:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")  # transformers needs it to load GGUF files

from course_utils.smollm import load_model  # noqa: E402

# One group, so that `--dist loadgroup` loads the reference model in a single worker.
pytestmark = [pytest.mark.reference, pytest.mark.slow, pytest.mark.xdist_group("smollm_reference")]

PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return",
    "Once upon a time, there was a little robot who loved to paint. Every morning it",
    "<|im_start|>user\nWhat is 12 times 7?<|im_end|>\n<|im_start|>assistant\n",
]
# Achieved on the development machine: max |logit difference| about 1.1e-4 with logits of size ~30 (float32
# accumulated in a different order). The bound leaves a few times that as headroom.
LOGIT_ATOL = 5e-4

TEXTS = [
    "Hello, world!",
    "The year 2024 had 366 days; pi is 3.14159.",
    "naïve café — déjà vu, Straße",
    "日本語のテキストと한국어 텍스트",
    "emoji 🎉🚀 and a family 👨‍👩‍👧",
    "tabs\tand\nnew\n\nlines\r\n  indented",
    "   leading and trailing spaces   ",
    "def f(x):\n    return x ** 2  # square\n",
    "it's they're we'll I'd DON'T",
    "<|im_start|>user\nHi<|im_end|>",
    "x   42 and a  1",
]


@pytest.fixture(scope="module")
def model():
    return load_model()


@functools.lru_cache(maxsize=1)
def _load_reference(path: Path):
    """The transformers model and tokenizer for the GGUF file (loaded once per process: it takes ~15 s)."""
    previous = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"  # everything is local: never reach for the Hub
    try:
        hf_model = transformers.AutoModelForCausalLM.from_pretrained(
            str(path.parent), gguf_file=path.name, dtype=torch.float32, attn_implementation="eager"
        )
        hf_tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    finally:
        if previous is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = previous
    return hf_model.eval(), hf_tok


@pytest.fixture(scope="module")
def reference(model):
    return _load_reference(model.path)


def test_named_weights_equal_the_reference_parameters(model, reference):
    hf_model, _ = reference
    layer = hf_model.model.layers[7]

    def t(p):
        return p.detach().numpy().T

    pairs = {
        "blocks.7.attn.W_Q": t(layer.self_attn.q_proj.weight),
        "blocks.7.attn.W_K": t(layer.self_attn.k_proj.weight),
        "blocks.7.attn.W_V": t(layer.self_attn.v_proj.weight),
        "blocks.7.attn.W_O": t(layer.self_attn.o_proj.weight),
        "blocks.7.mlp.W_gate": t(layer.mlp.gate_proj.weight),
        "blocks.7.mlp.W_up": t(layer.mlp.up_proj.weight),
        "blocks.7.mlp.W_down": t(layer.mlp.down_proj.weight),
        "blocks.7.ln1.w": layer.input_layernorm.weight.detach().numpy(),
        "blocks.7.ln2.w": layer.post_attention_layernorm.weight.detach().numpy(),
        "W_E": hf_model.model.embed_tokens.weight.detach().numpy(),
        "ln_final.w": hf_model.model.norm.weight.detach().numpy(),
    }
    for name, expected in pairs.items():
        np.testing.assert_allclose(model.weight(name), expected, rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_logits_residual_and_attention_match(model, reference, prompt):
    hf_model, hf_tok = reference
    ids = hf_tok(prompt, add_special_tokens=False)["input_ids"]
    ours = model.forward(ids, return_residual=True, return_attention=True)
    with torch.no_grad():
        ref = hf_model(torch.tensor([ids]), output_hidden_states=True, output_attentions=True)
    ref_logits = ref.logits[0].numpy()
    np.testing.assert_allclose(ours.logits, ref_logits, rtol=0, atol=LOGIT_ATOL)
    assert np.array_equal(ours.logits.argmax(-1), ref_logits.argmax(-1))
    # hidden_states[i] is the residual stream entering block i; the last one is after the final norm
    ref_resid = np.stack([h[0].numpy() for h in ref.hidden_states[:-1]])
    scale = np.abs(ref_resid).max(axis=(1, 2), keepdims=True)
    assert np.all(np.abs(ours.residual[:-1] - ref_resid) <= 1e-5 * scale + 1e-4)
    ref_attn = np.stack([a[0].numpy() for a in ref.attentions])
    np.testing.assert_allclose(ours.attention, ref_attn, rtol=0, atol=1e-4)


def test_greedy_generation_matches(model, reference):
    hf_model, hf_tok = reference
    prompt = "The three primary colors are"
    ids = hf_tok(prompt, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        ref = hf_model.generate(torch.tensor([ids]), max_new_tokens=5, do_sample=False)
    assert model.generate_ids(ids, 5, stop_at_eos=False) == ref[0, len(ids):].tolist()


def _llama_cpp_pieces(text: str) -> list[str]:
    """Split text the way llama.cpp's "smollm" pre-tokenizer does: every digit alone, then the GPT-2 word regex."""
    regex = pytest.importorskip("regex")
    word = regex.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")
    pieces = []
    for chunk in regex.split(r"(\p{N})", text):
        pieces.extend(m.group(0) for m in word.finditer(chunk))
    return pieces


@pytest.mark.parametrize("text", TEXTS)
def test_tokenization_matches_reference(model, reference, text):
    _, hf_tok = reference
    ours = model.tokenizer.encode(text)
    if "<|" in text:
        expected = hf_tok(text, add_special_tokens=False)["input_ids"]
    else:
        # transformers' GGUF tokenizer ignores the file's "smollm" pre-tokenizer (it does not split digits
        # first), so pieces are cut the way llama.cpp does and each piece is tokenized by the reference.
        pieces = _llama_cpp_pieces(text)
        expected = [i for piece in pieces for i in hf_tok(piece, add_special_tokens=False)["input_ids"]]
    assert ours == expected
    assert hf_tok.decode(ours) == text


def test_tokenization_agrees_with_reference_where_its_split_is_the_same(model, reference):
    _, hf_tok = reference
    text = " ".join(t for t in TEXTS if not any(c.isdigit() for c in t))
    assert model.tokenizer.encode(text) == hf_tok(text, add_special_tokens=False)["input_ids"]
