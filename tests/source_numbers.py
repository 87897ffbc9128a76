"""Numbers the sources state, which each lesson must print (see the shared sources index).

Used by the notebook runs and by the site build test.
"""
from __future__ import annotations

# Each entry is a regular expression searched in the lesson's printed output.
NUM = r"\s*,?\s*"
SOURCE_NUMBERS = {
    "01_projection_shapes.ipynb": {
        "[2,-1,3,0] @ W_q = [5,-4]": r"\[\s*5\.?0*" + NUM + r"-4\.?0*\s*\]",
        "[2,-1,3,0] @ W_k = [-4,8]": r"\[\s*-4\.?0*" + NUM + r"8\.?0*\s*\]",
        "X @ W_q = [[0.68,0.66],[0.24,1.80],[0.22,-0.54]]":
            r"0\.68" + NUM + r"0\.66\s*\]" + NUM + r"\[\s*0\.24" + NUM + r"1\.80?\s*\]" + NUM
            + r"\[\s*0\.22" + NUM + r"-0\.54",
        "GPT-2 small d_mlp 3072 and vocab 50257": r"3072(?s:.*)50257",
    },
}
