#!/usr/bin/env python3
"""The reference values of the verdicts' tests (docs/spec.md, "Statistics"), from scipy and
statsmodels, written once to src/config/fixtures/statistics-reference.json; the unit tests
(src/config/statistics.test.ts) compare the page's own implementations with them.

    /usr/bin/python3 scripts/statistics-reference.py   # Debian's python3-scipy, python3-statsmodels
"""
import json
import os

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "config", "fixtures", "statistics-reference.json")

# Two runs' disagreements on one seed's test samples: (only A right, only B right).
MCNEMAR = [(0, 0), (3, 0), (6, 1), (10, 2), (5, 5), (17, 9), (60, 20), (120, 151), (2, 40)]
# Per-seed differences in points (a − b), as a race's seeds give them; some with zeros and ties.
DIFFERENCES = [
    [1.2, 0.4, 0.9],
    [-0.7, 0.3, -1.1, -0.5, -1.4],
    [2.4, 1.9, 3.1, 2.2, 2.8],
    [0.5, -0.2, 0.0, 0.8, 0.3, -0.1],
    [0.6, 0.9, 0.4, 1.1, 0.7, 0.5, 0.8],
    [-2.4, -1.0, -3.5, 0.2, -2.9, -1.7, -0.4, -2.2],
    [0.25, 0.25, -0.25, 0.5, 0.25, 0.0, 0.75, -0.5, 0.25, 0.5],
    [1.5, -1.5, 1.5, -1.5],
]
# Student's t, two-sided: (t, df), including the 5% critical values of the tables.
STUDENT = [(12.706, 1), (4.303, 2), (2.776, 4), (2.228, 10), (0.5, 3), (-3.2, 5), (7.1, 2), (1.0, 1), (0.01, 30), (25.0, 4)]
# Families of p-values one sentence's comparisons give.
HOLM = [
    [0.01, 0.04, 0.03],
    [0.0486, 0.058, 0.2, 0.7, 0.001, 0.012],
    [0.5, 0.5, 0.5],
    [0.001],
    [0.02, 0.02, 0.04, 0.3],
]


def main():
    ref = {
        "generatedBy": f"scripts/statistics-reference.py (scipy {scipy.__version__}, statsmodels {statsmodels.__version__})",
        "mcnemar": [{"onlyA": a, "onlyB": b, "p": stats.binomtest(a, a + b, 0.5).pvalue if a + b else 1.0} for a, b in MCNEMAR],
        "paired": [],
        "student": [{"t": t, "df": df, "p": float(2 * stats.t.sf(abs(t), df))} for t, df in STUDENT],
        "holm": [{"p": ps, "adjusted": [float(x) for x in multipletests(ps, method="holm")[1]]} for ps in HOLM],
    }
    for d in DIFFERENCES:
        x = np.array(d)
        above, below = int((x > 0).sum()), int((x < 0).sum())
        t = stats.ttest_1samp(x, 0.0)
        perm = stats.permutation_test((x,), lambda s, axis: np.sum(s, axis=axis), permutation_type="samples",
                                      n_resamples=np.inf, alternative="two-sided")
        ref["paired"].append({
            "differences": d,
            "t": float(t.statistic), "df": len(d) - 1, "tP": float(t.pvalue),
            "signP": float(stats.binomtest(above, above + below, 0.5).pvalue),
            "permutationP": float(perm.pvalue),
        })
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
