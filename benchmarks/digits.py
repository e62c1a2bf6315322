"""scikit-learn's digits as ``bnn.py`` and ``bnn_tfp_keras_worker.py`` both use them (NumPy and
scikit-learn only, so the TensorFlow environment can import it too)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def digits_split():
    """75/25 stratified split, pixels centred and scaled on the training part (the split of
    ``tests/layers/conftest.py``); float32 images, int32 labels."""
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    mean, scale = x_tr.mean(0), x_tr.std(0) + 1.0
    return (((x_tr - mean) / scale).astype(np.float32), ((x_te - mean) / scale).astype(np.float32),
            y_tr.astype(np.int32), y_te.astype(np.int32))
