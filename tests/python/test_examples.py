"""examples/python/seed.py prints the seed example: shape, one [b, t] row per line, lengths."""

import os
import subprocess
import sys

import numpy as np

import seqfeat as sf

ROOT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)


def test_seed_example_output():
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(sf.__file__)))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "seed.py")],
                          env=env, capture_output=True, text=True, check=True)
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "shape: [2, 5, 11]"
    assert lines[-1] == "sequence_length: [2, 3]"
    rows = np.array([[float(v) for v in line.split()] for line in lines[1:-1]])
    assert rows.shape == (10, 11)
    j = np.arange(10) * 0.001
    expected = np.zeros((10, 11))
    # Example 0: (3, id 12), (5, id 34); example 1 (rows 5..): (1, 7), (2, 7), (3, 999 -> 99).
    for row, rating, item in [(0, 3, 12), (1, 5, 34), (5, 1, 7), (6, 2, 7), (7, 3, 99)]:
        expected[row] = np.concatenate([[rating], item * 0.01 + j])
    np.testing.assert_allclose(rows, expected, atol=5e-5)
    assert lines[1] == "3.0000 0.1200 0.1210 0.1220 0.1230 0.1240 0.1250 0.1260 0.1270 0.1280 0.1290"
