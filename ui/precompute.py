"""Write the bundled sample's default k diagnostics to data/ (shipped with the app).

Run from the repository root after changing the sample, the features or the diagnostics::

    .venv/bin/python -m ui.precompute

``tests/test_precomputed.py`` recomputes the numbers and fails when the file is stale.
"""

from __future__ import annotations

import json
import sys

from segmentation import load_sample
from segmentation.segmenting.clustering import ClusterConfig
from segmentation.segmenting.diagnostics import KDiagnostics, choose_k
from segmentation.segmenting.features import default_feature_config, prepare_features
from ui import segments_state as seg
from ui.cluster_views import DEFAULT_K_RANGE_STOP, matrix_key

FORMAT = "segment-studio/k-diagnostics"


def sample_default_diagnostics() -> tuple[str, KDiagnostics]:
    """The cache key and the k diagnostics of the sample with the default settings."""
    data = load_sample()
    config = default_feature_config(data.customers, data.schema)
    matrix = prepare_features(data.customers, data.schema, config)
    k_values = tuple(range(*DEFAULT_K_RANGE_STOP))
    base = ClusterConfig()
    key = seg.diagnostics_key(matrix_key(data, config), k_values, base)
    return key, choose_k(matrix, k_values, base)


def main() -> int:
    key, diagnostics = sample_default_diagnostics()
    payload = {"format": FORMAT, "version": 1, "entries": {key: diagnostics.to_dict()}}
    seg.PRECOMPUTED_DIAGNOSTICS.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {seg.PRECOMPUTED_DIAGNOSTICS} (recommended k = {diagnostics.recommended_k}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
