"""Result files shipped with the lessons were made by the course's own engine with the stated settings.

``lessons/data/dimensionality_sweep.npz`` is too slow to train inside lesson 04 (minutes),
so the lesson reads it. Its regeneration script stores the weights after the first 200
steps as well; rerunning those steps here must give the same weights.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from course_utils import toy
from nbtools import ROOT

DATA = ROOT / "lessons" / "data"


def _data_module(name: str):
    """A script of lessons/data, imported with its folder on the path (the scripts import ``sae`` beside them)."""
    import sys
    if str(DATA) not in sys.path:
        sys.path.insert(0, str(DATA))
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped(name: str):
    """A data file shipped in lessons/data, made by the make_*.py script of the same name."""
    path = DATA / name
    assert path.is_file(), f"{path} is missing: run lessons/data/make_{path.stem}.py"
    return np.load(path)


@pytest.fixture(scope="module")
def sweep():
    return _shipped("dimensionality_sweep.npz")


def test_file_states_the_scripts_settings(sweep) -> None:
    cfg = _data_module("make_dimensionality_sweep").CONFIG
    assert int(sweep["steps"]) == cfg.steps and int(sweep["seed"]) == 0
    assert np.allclose(sweep["feature_probability"], cfg.feature_probability)
    assert np.allclose(sweep["importance"], cfg.importance) and np.all(cfg.importance == 1.0)
    assert sweep["W"].shape == sweep["W_early"].shape == (cfg.n_instances, cfg.n_hidden, cfg.n_features)
    assert sweep["b"].shape == (cfg.n_instances, cfg.n_features)


@pytest.mark.slow
def test_first_steps_are_reproduced_by_the_engine(sweep) -> None:
    module = _data_module("make_dimensionality_sweep")
    rerun = module.CONFIG.run(seed=0, steps=int(sweep["early_steps"]), progress=False)
    assert np.allclose(rerun.model.W, sweep["W_early"], atol=1e-5), (
        "the engine no longer reproduces the shipped file's first steps: regenerate it with "
        "lessons/data/make_dimensionality_sweep.py")


def test_trained_sweep_went_far_beyond_the_check_point(sweep) -> None:
    """The weights moved on after the check point, and the sparsest level stores every feature."""
    assert not np.allclose(sweep["W"], sweep["W_early"], atol=1e-2)
    represented = (toy.feature_norms(sweep["W"]) > 0.5).sum(axis=1)
    assert represented[-1] == 100 and represented[-1] > 3 * 20, represented
    D = toy.feature_dimensionality(sweep["W"][-1])
    assert np.allclose(np.median(D), 20 / 100, atol=0.02), "all 100 features share the 20 dimensions: D = m/n"


@pytest.fixture(scope="module")
def phase():
    return _shipped("phase_diagram.npz")


def test_phase_file_states_the_scripts_settings(phase) -> None:
    module = _data_module("make_phase_diagram")
    assert np.allclose(phase["ratios"], module.RATIOS) and np.allclose(phase["densities"], module.DENSITIES)
    assert int(phase["steps"]) == module.STEPS and int(phase["restarts"]) == module.RESTARTS
    assert int(phase["seed"]) == module.SEED
    grid = (module.DENSITIES.size, module.RATIOS.size)
    assert phase["W"].shape == phase["b"].shape == grid + (2,) and phase["loss"].shape == grid
    assert phase["W_early"].shape == (module.DENSITIES.size * module.RATIOS.size * module.RESTARTS, 1, 2)


@pytest.mark.slow
def test_phase_grid_first_steps_are_reproduced_by_the_engine(phase) -> None:
    rerun = _data_module("make_phase_diagram").train_grid(int(phase["early_steps"]))
    assert np.allclose(rerun.model.W, phase["W_early"], atol=1e-5), (
        "the engine no longer reproduces the shipped phase diagram's first steps: regenerate it with "
        "lessons/data/make_phase_diagram.py")


def test_phase_grid_shows_the_three_regimes_where_theory_puts_them(phase) -> None:
    """Dense and unimportant: ignored; dense and important: dedicated; sparse: superposed (antipodal)."""
    stored = np.abs(phase["W"]) > 0.5
    first, last = 0, -1                                # densest row, sparsest row
    assert not stored[first, 0, 1] and stored[first, 0, 0]            # r = 0.1, p = 1: the extra feature ignored
    assert stored[first, last, 1] and not stored[first, last, 0]      # r = 10, p = 1: it takes the dimension
    sparse = phase["W"][last]                                          # p = 0.01: both stored, opposite signs
    both = stored[last].all(axis=1)
    assert both.mean() > 0.8 and np.all(np.sign(sparse[both, 0]) != np.sign(sparse[both, 1]))


def test_sae_gradient_matches_finite_differences() -> None:
    """The engine of lesson 07's data scripts: L1 and TopK losses, every parameter, away from ReLU kinks."""
    sae = _data_module("sae")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5))
    for k, l1 in [(None, 0.2), (3, 0.0)]:
        _, params = sae.init(5, 7, rng, x.mean(0))
        params = {name: value.astype(np.float64) for name, value in params.items()}
        params["b_enc"][...] = rng.normal(size=7) * 0.3
        _, grads, _ = sae.loss_and_grads(params, x, k, l1)
        for name, value in params.items():
            numeric = np.zeros_like(value)
            for index in np.ndindex(value.shape):
                old = value[index]
                value[index] = old + 1e-6
                up = sae.loss_and_grads(params, x, k, l1)[0]
                value[index] = old - 1e-6
                down = sae.loss_and_grads(params, x, k, l1)[0]
                value[index] = old
                numeric[index] = (up - down) / 2e-6
            assert np.allclose(grads[name], numeric, atol=1e-5), (name, k, l1)


def test_topk_codes_keep_each_rows_k_largest_positive_pre_activations() -> None:
    sae = _data_module("sae")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 6))
    _, params = sae.init(6, 20, rng, np.zeros(6))
    params["b_enc"][...] = rng.normal(size=20)
    pre = x @ params["W_enc"].T + params["b_enc"]
    expected = np.zeros_like(pre)
    for row, values in enumerate(pre):
        top = np.argsort(values)[-4:]
        expected[row, top] = np.maximum(values[top], 0.0)
    assert np.allclose(sae.codes(params, x, 4), expected)
    assert np.allclose(sae.codes(params, x, None), np.maximum(pre, 0.0))


@pytest.fixture(scope="module")
def toy_dicts():
    return _shipped("toy_dictionaries.npz")


def test_toy_dictionaries_state_the_scripts_settings(toy_dicts) -> None:
    module = _data_module("make_toy_dictionaries")
    assert np.allclose(toy_dicts["l1_penalties"], module.L1_PENALTIES)
    assert np.array_equal(toy_dicts["topk_values"], module.TOPK_VALUES)
    assert int(toy_dicts["level"]) == module.LEVEL and int(toy_dicts["steps"]) == module.STEPS
    assert toy_dicts["l1_W_dec"].shape == (len(module.L1_PENALTIES), 20, 100)
    assert np.allclose(np.linalg.norm(toy_dicts["l1_W_dec"], axis=1), 1.0, atol=1e-4)   # unit decoder columns


@pytest.mark.slow
def test_toy_dictionaries_first_steps_are_reproduced(toy_dicts) -> None:
    module = _data_module("make_toy_dictionaries")
    acts, true, _ = module.toy_world()
    assert np.allclose(true, toy_dicts["true"], atol=1e-6), "the toy world no longer matches the shipped file"
    rerun = module.sae.train(acts, 100, steps=module.CHECK_STEPS, batch=module.BATCH, lr=module.LR,
                             seed=module.SEED, l1=0.3)
    assert np.allclose(rerun["W_dec"], toy_dicts["check_W_dec"], atol=1e-4), (
        "the SAE engine no longer reproduces the shipped toy dictionaries: regenerate them with "
        "lessons/data/make_toy_dictionaries.py")


def test_toy_dictionaries_recover_the_features_only_at_the_right_sparsity(toy_dicts) -> None:
    """The frontier the lesson describes: blended when too dense, recovered near the true L0, starved when too sparse."""
    recovered = (toy_dicts["l1_best_cos"] > 0.9).sum(axis=1)
    assert recovered[0] < 10 and recovered.max() >= 90 and recovered[-1] < 50
    assert toy_dicts["l1_fvu"][0] < 0.05 < toy_dicts["l1_fvu"][-1]
    topk = (toy_dicts["topk_best_cos"] > 0.9).sum(axis=1)
    assert topk[list(toy_dicts["topk_values"]).index(4)] >= 90 and topk[-1] < 10


@pytest.fixture(scope="module")
def lm_dictionary():
    return _shipped("smollm_dictionary.npz")


def test_smollm_dictionary_states_the_scripts_settings(lm_dictionary) -> None:
    module = _data_module("make_smollm_dictionary")
    assert int(lm_dictionary["layer"]) == module.LAYER and int(lm_dictionary["k"]) == module.K
    assert int(lm_dictionary["window"]) == module.WINDOW and int(lm_dictionary["steps"]) == module.STEPS
    assert lm_dictionary["W_dec"].shape == (576, module.N_LATENTS) == lm_dictionary["W_enc"].T.shape
    assert np.allclose(np.linalg.norm(lm_dictionary["W_dec"].astype(np.float32), axis=0), 1.0, atol=2e-3)
    assert lm_dictionary["tokens"].size >= 100_000, "the corpus must hold at least 100k tokens"
    assert lm_dictionary["top_rows"].shape == (module.N_LATENTS, module.TOP_EXAMPLES)
    rows = lm_dictionary["top_rows"]
    assert rows.max() < lm_dictionary["tokens"].shape[0] * (module.WINDOW - 1)


def test_smollm_dictionary_is_a_useful_one(lm_dictionary) -> None:
    """What the lesson prints: most variance explained with k latents per token, few dead latents."""
    assert float(lm_dictionary["fvu"]) < 0.5
    assert abs(float(lm_dictionary["l0"]) - int(lm_dictionary["k"])) < 1.0
    assert float(lm_dictionary["dead_fraction"]) < 0.25


@pytest.mark.slow
def test_smollm_dictionary_activations_and_first_steps_are_reproduced(lm_dictionary) -> None:
    """The shipped file was made by the script: the first windows' activations and a short SAE run match."""
    from course_utils.smollm import load_model

    module = _data_module("make_smollm_dictionary")
    model = load_model()
    windows = lm_dictionary["tokens"][: module.CHECK_WINDOWS]
    acts = module.layer_activations(model, windows) * float(lm_dictionary["scale"])
    assert np.allclose(acts[:8], lm_dictionary["check_acts"], atol=1e-3 * np.abs(acts[:8]).max())
    check = module.sae.train(acts, 256, k=8, steps=module.CHECK_STEPS, batch=256, lr=module.LR, seed=module.SEED)
    assert np.allclose(check["W_dec"], lm_dictionary["check_W_dec"], atol=1e-3), (
        "the SAE engine no longer reproduces the shipped dictionary's check run: regenerate it with "
        "lessons/data/make_smollm_dictionary.py")
