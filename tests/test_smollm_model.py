"""The numpy SmolLM2 model without a reference implementation: config, weights, forward, generation."""
from pathlib import Path

import numpy as np
import pytest

import course_utils.smollm.weights as weights_module
from course_utils.smollm import ForwardResult, SmolLMConfig, load_model

PARAGRAPH = (
    "Water is a chemical compound made of hydrogen and oxygen. At room temperature it is a clear liquid "
    "with no taste or smell. It freezes at zero degrees Celsius and boils at one hundred degrees Celsius. "
    "Most of the surface of the Earth is covered by water, and all known forms of life need it to survive."
)


@pytest.fixture(scope="module")
def model():
    return load_model()


def _perplexity(model, text: str) -> float:
    ids = model.tokenizer.encode(text)
    logits = model.forward(ids).astype(np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    nll = -log_probs[np.arange(len(ids) - 1), ids[1:]]
    return float(np.exp(nll.mean()))


def test_config_is_read_from_the_file(model):
    cfg = model.config
    assert isinstance(cfg, SmolLMConfig)
    assert cfg.n_layers == model.metadata("llama.block_count")
    assert cfg.d_model == model.metadata("llama.embedding_length")
    assert cfg.rope_theta == model.metadata("llama.rope.freq_base") == 100000.0
    assert cfg.vocab_size == model.metadata("llama.vocab_size") == model.tokenizer.vocab_size
    assert "general.architecture" in model.metadata_keys()
    assert cfg.n_heads * cfg.d_head == cfg.d_model
    assert cfg.n_heads % cfg.n_kv_heads == 0 and cfg.n_rep == cfg.n_heads // cfg.n_kv_heads
    assert cfg.tied_embeddings
    # the published sizes of SmolLM2-135M
    assert (cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.vocab_size) == (30, 576, 9, 3, 49152)
    with pytest.raises(AttributeError):
        cfg.d_model = 1  # frozen


def test_weight_names_cover_every_layer(model):
    names = model.weight_names()
    assert names[:2] == ["W_E", "ln_final.w"]
    assert len(names) == 2 + 9 * model.config.n_layers
    assert len(set(names)) == len(names)
    assert f"blocks.{model.config.n_layers - 1}.mlp.W_down" in names


def _expected_shape(cfg, name):
    d, hq, hkv = cfg.d_model, cfg.n_heads * cfg.d_head, cfg.n_kv_heads * cfg.d_head
    suffix = name.split(".", 2)[-1] if name.startswith("blocks.") else name
    return {
        "W_E": (cfg.vocab_size, d),
        "ln_final.w": (d,),
        "ln1.w": (d,),
        "ln2.w": (d,),
        "attn.W_Q": (d, hq),
        "attn.W_K": (d, hkv),
        "attn.W_V": (d, hkv),
        "attn.W_O": (hq, d),
        "mlp.W_gate": (d, cfg.d_mlp),
        "mlp.W_up": (d, cfg.d_mlp),
        "mlp.W_down": (cfg.d_mlp, d),
    }[suffix]


def test_every_weight_has_the_shape_the_config_implies(model):
    shapes = model.weight_shapes(layer=None)
    assert list(shapes) == model.weight_names()
    for name, shape in shapes.items():
        assert shape == _expected_shape(model.config, name), name
    # dequantize a sample of layers fully and compare with the header shapes
    for layer in (0, model.config.n_layers - 1):
        for name, shape in model.weight_shapes(layer).items():
            w = model.weight(name)
            assert w.shape == shape and w.dtype == np.float32, name
            assert np.isfinite(w).all(), name


def test_weight_shapes_does_not_dequantize(model, monkeypatch):
    def refuse(tensor):
        raise AssertionError(f"weight_shapes dequantized {tensor.name}")

    monkeypatch.setattr(weights_module, "_dequantize", refuse)
    # a fresh, empty weight cache, so that shapes cannot come from arrays other tests already dequantized
    fresh = weights_module.WeightStore(model._reader, model.config)
    monkeypatch.setattr(model, "_weights", fresh)
    shapes = model.weight_shapes(0)
    assert shapes["blocks.0.attn.W_Q"] == (576, 576)
    assert shapes["blocks.0.attn.W_K"] == (576, 192)
    assert set(shapes) == {"W_E", "ln_final.w"} | {n for n in model.weight_names() if n.startswith("blocks.0.")}
    assert len(model.weight_shapes(None)) == len(model.weight_names())
    assert fresh.cached_names() == []


def test_weights_are_cached_and_read_only(model):
    w = model.weight("blocks.3.mlp.W_up")
    assert model.weight("blocks.3.mlp.W_up") is w
    with pytest.raises(ValueError):
        w[0, 0] = 1.0


def test_bad_weight_names_and_layers(model):
    with pytest.raises(KeyError, match="blocks.0.attn.W_Q"):
        model.weight("blocks.0.attn.WQ")
    with pytest.raises(KeyError, match="0..29"):
        model.weight("blocks.30.attn.W_Q")
    with pytest.raises(ValueError, match="0..29"):
        model.weight_shapes(30)
    with pytest.raises(TypeError):
        model.weight_shapes("0")


def test_rms_gains_are_not_trivial(model):
    # the norm weights are learned, so they are far from all-ones
    assert np.std(model.weight("blocks.0.ln1.w")) > 0.01


def test_capital_of_france(model):
    logits = model.forward("The capital of France is")
    top5 = np.argsort(-logits[-1])[:5]
    assert model.tokenizer.encode(" Paris")[0] in top5, model.tokenizer.token_strings(top5)


def test_perplexity_of_english_is_low_and_shuffling_raises_it(model):
    ppl = _perplexity(model, PARAGRAPH)
    assert ppl < 15, ppl  # uniform guessing would be 49152
    words = PARAGRAPH.split()
    rng = np.random.default_rng(0)
    shuffled = [" ".join(rng.permutation(words)) for _ in range(2)]
    for text in shuffled:
        assert _perplexity(model, text) > 10 * ppl


def test_forward_result_shapes_and_invariants(model):
    ids = model.tokenizer.encode("Feature directions live in the residual stream.")
    seq, cfg = len(ids), model.config
    out = model.forward(ids, return_residual=True, return_attention=True)
    assert isinstance(out, ForwardResult)
    assert out.logits.shape == (seq, cfg.vocab_size) and out.logits.dtype == np.float32
    assert out.residual.shape == (cfg.n_layers + 1, seq, cfg.d_model)
    assert out.attention.shape == (cfg.n_layers, cfg.n_heads, seq, seq)
    np.testing.assert_array_equal(out.residual[0], model.weight("W_E")[ids])
    np.testing.assert_allclose(out.attention.sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(out.attention, k=1) == 0), "attention looks at future tokens"
    # the logits are the final residual, RMS-normalised, dotted with the tied embedding
    last = out.residual[-1]
    normed = last / np.sqrt(np.mean(last.astype(np.float64) ** 2, -1, keepdims=True) + cfg.norm_eps)
    np.testing.assert_allclose(
        out.logits,
        (normed * model.weight("ln_final.w")) @ model.weight("W_E").T.astype(np.float64),
        rtol=1e-3,
        atol=1e-3,
    )
    assert np.array_equal(model.forward(ids), out.logits)
    only_resid = model.forward(ids, return_residual=True)
    assert only_resid.attention is None and only_resid.residual is not None


def test_forward_is_causal(model):
    ids = model.tokenizer.encode("One two three four five six")
    full = model.forward(ids)
    changed = model.forward(ids[:-1] + [model.tokenizer.encode(" seven")[0]])
    np.testing.assert_allclose(full[:-1], changed[:-1], rtol=1e-5, atol=1e-4)
    assert not np.allclose(full[-1], changed[-1])


def test_generation_with_cache_matches_repeated_full_forward(model):
    prompt = model.tokenizer.encode("The three primary colors are")
    new = model.generate_ids(prompt, 4, stop_at_eos=False)
    ids = list(prompt)
    for _ in range(4):
        ids.append(int(np.argmax(model.forward(ids)[-1])))
    assert new == ids[len(prompt):]
    text = model.generate("The three primary colors are", 4, stop_at_eos=False)
    assert text == model.tokenizer.decode(new)


def test_generation_stops_at_end_of_sequence(model):
    chat = "<|im_start|>user\nReply with one word: yes or no?<|im_end|>\n<|im_start|>assistant\n"
    new = model.generate_ids(model.tokenizer.encode(chat), 12)
    assert new[-1] == model.config.eos_token_id and len(new) < 12, model.tokenizer.decode(new)
    assert model.generate(chat, 12).endswith("<|im_end|>")


def test_bad_inputs_get_clear_errors(model):
    with pytest.raises(ValueError, match="empty"):
        model.forward([])
    with pytest.raises(ValueError, match="0..49151"):
        model.forward([1, 49152])
    with pytest.raises(TypeError, match="integer"):
        model.forward([1.5, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        model.forward([[1, 2]])
    with pytest.raises(ValueError, match="non-negative"):
        model.generate("Hi", -1)
    with pytest.raises(TypeError, match="generate_ids"):
        model.generate([1, 2], 3)
    with pytest.raises(ValueError, match="context length"):
        model.generate_ids([1], model.config.context_length)


def test_unknown_metadata_key_names_the_neighbours(model):
    with pytest.raises(KeyError, match="llama.block_count"):
        model.metadata("llama.block_cnt")


@pytest.mark.parametrize("file_name,expected", [
    ("SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct"),
    ("SmolLM2-360M.F16.gguf", "SmolLM2-360M"),
    ("model.gguf", None),
])
def test_the_model_is_named_as_published(file_name, expected):
    from course_utils.smollm.model import display_name
    assert display_name(Path(file_name)) == expected


def test_edit_replaces_the_residual_stream_after_a_block(model):
    """An identity edit changes nothing; an edit at one layer changes that layer's stream and what follows."""
    ids = model.tokenizer.encode("The capital of France is")
    plain = model.forward(ids, return_residual=True)
    seen = []
    same = model.forward(ids, return_residual=True, edit=lambda layer, x: seen.append(layer) or x)
    assert seen == list(range(model.config.n_layers))
    assert np.array_equal(same.logits, plain.logits)
    zeroed = model.forward(ids, return_residual=True, edit=lambda layer, x: x * 0 if layer == 12 else x)
    assert np.array_equal(zeroed.residual[:13], plain.residual[:13]) and not np.any(zeroed.residual[13])
    assert not np.allclose(zeroed.logits, plain.logits)
    with pytest.raises(ValueError, match="residual stream's shape"):
        model.forward(ids, edit=lambda layer, x: x[:1])
