"""Shared data for the layer tests: scikit-learn's bundled digits and diabetes (no download).

Networks train in float32 (as users would), although the suite enables x64.
"""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def digits():
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    # Centre each pixel; the +1 keeps near-constant border pixels from being blown up.
    mean, scale = x_tr.mean(0), x_tr.std(0) + 1.0
    x_tr, x_te = ((x_tr - mean) / scale).astype(np.float32), ((x_te - mean) / scale).astype(
        np.float32)
    return x_tr, x_te, y_tr.astype(np.int32), y_te.astype(np.int32)


@pytest.fixture(scope="session")
def diabetes():
    x, y = load_diabetes(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0)
    mx, sx = x_tr.mean(0), x_tr.std(0)
    my, sy = y_tr.mean(), y_tr.std()
    f = np.float32
    return (((x_tr - mx) / sx).astype(f), ((x_te - mx) / sx).astype(f),
            ((y_tr - my) / sy).astype(f), ((y_te - my) / sy).astype(f))
