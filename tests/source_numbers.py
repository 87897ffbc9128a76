"""Numbers the sources state, which each lesson must print (see the shared sources index).

Used by the notebook runs and by the site build test.
"""
from __future__ import annotations

import re

# Each entry is a regular expression searched in the lesson's printed output.
NUM = r"\s*,?\s*"


def number(text: str) -> str:
    """A pattern for a number as NumPy may print it: ``"0.10"`` also matches ``0.1``, ``"5"`` matches ``5.``."""
    if "." not in text:
        return re.escape(text) + r"\.?0*"
    whole, frac = text.split(".")
    kept = frac.rstrip("0")
    return re.escape(whole) + (r"\." + kept + "0*" if kept else r"\.?0*")


def vector(*values: str) -> str:
    """A pattern for a printed 1-D array (or list) of these numbers."""
    return r"\[\s*" + NUM.join(number(v) for v in values) + r"\s*\]"


SOURCE_NUMBERS = {
    "01_projection_shapes.ipynb": {
        "[2,-1,3,0] @ W_q = [5,-4]": vector("5", "-4"),
        "[2,-1,3,0] @ W_k = [-4,8]": vector("-4", "8"),
        "X @ W_q = [[0.68,0.66],[0.24,1.80],[0.22,-0.54]]":
            r"0\.68" + NUM + r"0\.66\s*\]" + NUM + r"\[\s*0\.24" + NUM + r"1\.80?\s*\]" + NUM
            + r"\[\s*0\.22" + NUM + r"-0\.54",
        "GPT-2 small d_mlp 3072 and vocab 50257": r"3072(?s:.*)50257",
    },
    "02_feature_directions.ipynb": {
        "bass direction [0.94,0.34]": r"bass\s+" + vector("0.94", "0.34"),
        "volume direction [-0.36,0.93]": r"volume\s+" + vector("-0.36", "0.93"),
        "[0.8,0.5] encodes to [0.57,0.74]": r"Encoded settings:\s*" + vector("0.57", "0.74"),
        "and decodes to [0.79,0.49]": r"Decoded settings:\s*" + vector("0.79", "0.49"),
        "0.48 with the rounded directions": r"rounded directions.*-> 0\.48",
        "adjustment [-0.2,0] encodes to [-0.19,-0.07]": r"Encoded adjustment:\s*" + vector("-0.19", "-0.07"),
        "updated encoding [0.38,0.67]": r"Updated encoding:\s*" + vector("0.38", "0.67"),
        "recovered settings [0.59,0.49]": r"Recovered settings:\s*" + vector("0.59", "0.49"),
        "three directions [0.98,0.17], [-0.64,0.77], [-0.34,-0.94]":
            r"bass\s+" + vector("0.98", "0.17") + r"\s+volume\s+" + vector("-0.64", "0.77")
            + r"\s+treble\s+" + vector("-0.34", "-0.94"),
        "[0.8,0.5,0.4] encodes to [0.33,0.15]": r"Encoded settings:\s*" + vector("0.33", "0.15"),
        "and decodes to [0.35,-0.10,-0.25]": r"Decoded settings:\s*" + vector("0.35", "-0.10", "-0.25"),
        "random 4096-D vectors: spread 1/sqrt(d) = 0.0156": r"1/sqrt\(d\) = 0\.0156",
    },
    "03_superposition.ipynb": {
        "30 in 29, seed 42, 5000 steps, lr 0.05: average 0.0333": r"Average: 0\.0333",
        "and worst 0.0345": r"Worst: 0\.0345",
        "the Welch bound for 30 in 29 is 1/29": r"Welch bound for 30 in 29:\s+0\.03448 = 1/29",
        "the average is 870/900 x 1/29": r"870/900 × 1/29 = 0\.03333",
        "random 4096-D vectors: mean |cos| 0.0125": r"\n\s*4096\s+0\.01\d\d\s+0\.0125\s+0\.0125",
        "TMS 5 -> 2: dense keeps 2 features": r"\n\s*0\.00\s+2\s+\[",
        "TMS 5 -> 2: sparsest keeps all 5 (pentagon)": r"\n\s*0\.95\s+5\s+\[",
        "TMS 5 -> 2: the linear model keeps 2 at every sparsity": r"(?:\n\s*0\.\d\d\s+\d\s+2){10}",
    },
    "04_relu_orthants.ipynb": {
        "2m limit: four features without a bias reach zero loss": r"\n\s*4 False\s+\[0\.(?:\s+0\.){9}\]",
        "but five never do": r"\n\s*5 False\s+\[(?:0\.0321\s*){10}\]",
        "five with a bias do": r"\n\s*5\s+True\s+\[0\.(?:\s+0\.){9}\]",
        "T-gon reconstructs I exactly (n = 3..12)": r"(?:\n\s*\d+\s+\d+\.\d{3}\s+-?\d+\.\d{3}\s+\d\.\de-1[4-7]){10}",
        "T-gon n = 6: r² = 2, b = -1": r"\n\s*6\s+2\.000\s+-1\.000\s",
        "threshold cos(2π/n), e.g. 0.309 for n = 5": r"cos\(2π/5\) = 0\.309",
        "dimensionality: antipodal pair 1/2": r"antipodal pair \(n = 4 in 2-D\)\s+D = \[0\.5 0\.5 0\.5 0\.5\]",
        "dimensionality: pentagon 2/5": r"pentagon \(n = 5\)\s+D = \[0\.4 0\.4 0\.4 0\.4 0\.4\]",
        "dimensionality: T-gon 2/T (n = 8)": r"T-gon, n = 8\s+D = \[(?:0\.25\s*){8}\]",
    },
    "05_embedding_hyperspheres.ipynb": {
        "embed then unembed: the token itself scores highest": r"transpose, W_E e\s+own score [\d.]+\s+top 8: ' next'",
        "and its variants come next": r"top 8: ' next' [\d.]+, 'next' [\d.]+, ' Next' [\d.]+, 'Next'",
        "the source's normalised readout gives the token itself exactly 1.0": r"source's inverse.*own score 1\.0000",
        "T -> 0 is argmax": r"T =   0\.01: best token ' Paris' with probability 1\.0000",
        "T -> infinity is uniform 1/V": r"uniform: 1 / 49152 = 0\.000020",
        "scaling h by c is temperature 1/c": r"c = 2\.0: softmax of \(c h\) equals softmax at T = 1/c: True",
        "residual norm grows across layers": r"last position \|x\|: embedding [0-9.]+, layer 15 \d{3}, layer 30 \d{3}",
        "IOI: the model predicts ' Mary' at the end": r"final P\(Mary\) = 0\.9\d",
    },
    "06_composition_and_subspaces.ipynb": {
        "W = [2, -1] then [-1.5, 3.2]: a rank-1 2 x 2 matrix": r"\[\[-3\.\s+1\.5\]\s*\[ 6\.4 -3\.2\]\](?s:.*)-> rank 1",
        "W90 W0 = 0": r"W90 @ W0 =\s*\[\[0\.\s+0\.\]\s*\[0\.\s+0\.\]\]",
        "W90 W45 W0 = [[0, 0], [0.5, 0]]": r"W90 @ W45 @ W0 =\s*\[\[0\.\s+0\. \]\s*\[0\.5 0\. \]\]",
        "three polarizers pass a quarter": r"intensity through 0°, 45°, 90°:\s+0\.250",
        "the same orthogonal A keeps QK scores": r"orthogonal A\s+A Aᵀ = I: True\s+largest change in the scores: \d\.\d\de-1[3-6]",
        "a general invertible A does not": r"general invertible A\s+A Aᵀ = I: False\s+largest change in the scores: \d\.\d\de\+0[0-9]",
    },
    "07_sparse_dictionaries.ipynb": {
        "TMS pentagon: neighbouring features at cos 72° = 0.31": r"\[\[ 1\.\s+0\.31\s+-0\.81\s+-0\.81\s+0\.31\]",
        "TMS: 100 features in 20 dimensions, all stored at p = 0.043": r"p = 0\.043: on average 4\.3 of the 100 features",
        "TopK keeps exactly k latents per token (Gao et al.)": r"L0 32\.0,",
    },
}
