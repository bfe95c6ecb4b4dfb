"""Four regression tasks sharing a planted rank-2 linear structure (d = 10), as CSV task folders.

    python3 docs/examples/linear_tasks.py /tmp/linear
    ./mtl train --tasks /tmp/linear                          # ReLU (default) at the suggested r = 2
    ./mtl train --tasks /tmp/linear --activation identity    # the paper's linear model

Task i: X_i (m_i x 10, standard normal), y_i = X_i U c_i + 0.3 noise, U fixed (10 x 2), c_i random.
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "linear"
rng = np.random.default_rng(7)
d = 10
U = rng.standard_normal((d, 2))
for i, m in enumerate([157, 211, 263, 133]):
    X = rng.standard_normal((m, d))
    y = X @ (U @ rng.standard_normal(2)) + 0.3 * rng.standard_normal(m)
    folder = os.path.join(out, f"r{i}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "X.csv"), "w") as f:
        f.write(",".join(f"f{j}" for j in range(d)) + "\n")
        for row in X:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    with open(os.path.join(folder, "y.csv"), "w") as f:
        f.write("target\n")
        for v in y:
            f.write(repr(float(v)) + "\n")
