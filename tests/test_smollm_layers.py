"""The transformer pieces of course_utils.smollm.layers against closed forms and naive loops."""
import numpy as np
import pytest

from course_utils.smollm.layers import apply_rope, causal_attention, rms_norm, rope_tables, silu, softmax, swiglu_mlp
from course_utils.smollm.weights import unpermute_rows


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_rms_norm_gives_unit_rms_times_gain(rng):
    x = rng.normal(size=(4, 16)).astype(np.float32) * np.array([[1], [10], [0.1], [100]], dtype=np.float32)
    w = rng.uniform(0.5, 2.0, size=16).astype(np.float32)
    out = rms_norm(x, w, eps=0.0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.sqrt(np.mean((out / w) ** 2, axis=-1)), 1.0, rtol=1e-5)
    # direction is kept: out / w is a positive multiple of x
    ratio = (out / w) / x
    np.testing.assert_allclose(ratio, ratio[:, :1].repeat(16, axis=1), rtol=1e-4)


def test_rms_norm_eps_keeps_zero_vector_finite():
    out = rms_norm(np.zeros((1, 8), np.float32), np.ones(8, np.float32), eps=1e-5)
    assert np.all(out == 0)


def test_rope_position_zero_is_identity_and_norms_are_kept(rng):
    x = rng.normal(size=(3, 5, 8)).astype(np.float32)
    cos, sin = rope_tables(np.arange(5), 8, 10000.0)
    y = apply_rope(x, cos, sin)
    np.testing.assert_allclose(y[:, 0], x[:, 0], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-5)


def test_rope_rotates_dimension_j_with_j_plus_half():
    d = 8
    theta = 100.0
    x = np.zeros((1, 1, d), np.float32)
    x[0, 0, 1] = 1.0  # unit vector on dimension 1
    cos, sin = rope_tables(np.array([3]), d, theta)
    y = apply_rope(x, cos, sin)[0, 0]
    angle = 3 * theta ** (-2 * 1 / d)
    expected = np.zeros(d)
    expected[1] = np.cos(angle)
    expected[1 + d // 2] = np.sin(angle)
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_rope_scores_depend_only_on_relative_position(rng):
    q = rng.normal(size=(1, 1, 16)).astype(np.float32)
    k = rng.normal(size=(1, 1, 16)).astype(np.float32)
    scores = []
    for shift in (0, 7, 40):
        cq, sq = rope_tables(np.array([5 + shift]), 16, 10000.0)
        ck, sk = rope_tables(np.array([2 + shift]), 16, 10000.0)
        scores.append(float((apply_rope(q, cq, sq) * apply_rope(k, ck, sk)).sum()))
    np.testing.assert_allclose(scores, scores[0], rtol=1e-4)


def test_rope_rejects_odd_head_width():
    with pytest.raises(ValueError, match="even"):
        rope_tables(np.arange(3), 7, 10000.0)


def test_causal_attention_matches_naive_loop(rng):
    n_heads, n_kv, seq, d = 6, 2, 5, 4
    q = rng.normal(size=(n_heads, seq, d)).astype(np.float32)
    k = rng.normal(size=(n_kv, seq, d)).astype(np.float32)
    v = rng.normal(size=(n_kv, seq, d)).astype(np.float32)
    z, pattern = causal_attention(q, k, v)
    rep = n_heads // n_kv
    for h in range(n_heads):
        for i in range(seq):
            s = np.array([q[h, i] @ k[h // rep, j] / np.sqrt(d) for j in range(i + 1)])
            p = np.exp(s - s.max())
            p /= p.sum()
            np.testing.assert_allclose(pattern[h, i, : i + 1], p, rtol=1e-5, atol=1e-6)
            assert np.all(pattern[h, i, i + 1 :] == 0)
            np.testing.assert_allclose(z[h, i], p @ v[h // rep, : i + 1], rtol=1e-5, atol=1e-6)


def test_causal_attention_with_offset_equals_last_rows_of_full(rng):
    q = rng.normal(size=(4, 6, 8)).astype(np.float32)
    k = rng.normal(size=(2, 6, 8)).astype(np.float32)
    v = rng.normal(size=(2, 6, 8)).astype(np.float32)
    z_full, p_full = causal_attention(q, k, v)
    z_tail, p_tail = causal_attention(q[:, 4:], k, v, q_offset=4)
    np.testing.assert_allclose(z_tail, z_full[:, 4:], rtol=1e-6)
    np.testing.assert_allclose(p_tail, p_full[:, 4:], rtol=1e-6)


def test_softmax_is_stable_for_large_logits():
    p = softmax(np.array([1000.0, 1001.0, -np.inf]))
    np.testing.assert_allclose(p, [1 / (1 + np.e), np.e / (1 + np.e), 0.0])


def test_silu_matches_definition_and_does_not_overflow():
    x = np.array([-100.0, -3.0, 0.0, 2.0, 100.0], dtype=np.float32)
    with np.errstate(over="raise"):
        out = silu(x)
    np.testing.assert_allclose(out, x / (1 + np.exp(-x.astype(np.float64))), rtol=1e-5, atol=1e-30)


def test_swiglu_mlp_matches_explicit_formula(rng):
    x = rng.normal(size=(3, 4))
    g, u, d = rng.normal(size=(4, 5)), rng.normal(size=(4, 5)), rng.normal(size=(5, 4))
    a = x @ g
    expected = (a / (1 + np.exp(-a)) * (x @ u)) @ d
    np.testing.assert_allclose(swiglu_mlp(x, g, u, d), expected, rtol=1e-10)


def _llama_cpp_permute(w: np.ndarray, n_heads: int) -> np.ndarray:
    """The row interleaving llama.cpp's converter applies: head rows [a..., b...] -> [a0, b0, a1, b1, ...]."""
    d_out = w.shape[0]
    d_head = d_out // n_heads
    out = np.empty_like(w)
    for h in range(n_heads):
        first, second = w[h * d_head : h * d_head + d_head // 2], w[h * d_head + d_head // 2 : (h + 1) * d_head]
        out[h * d_head : (h + 1) * d_head : 2] = first
        out[h * d_head + 1 : (h + 1) * d_head : 2] = second
    return out


@pytest.mark.parametrize("n_heads", [1, 3, 9])
def test_unpermute_rows_inverts_llama_cpp_permutation(rng, n_heads):
    w = rng.normal(size=(n_heads * 8, 5))
    np.testing.assert_array_equal(unpermute_rows(_llama_cpp_permute(w, n_heads), n_heads), w)


def test_unpermute_rows_rejects_uneven_heads():
    with pytest.raises(ValueError, match="heads"):
        unpermute_rows(np.zeros((10, 3)), 3)
