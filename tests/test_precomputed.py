"""The bundled sample's shipped k diagnostics are current and used instead of recomputing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from segmentation.segmenting.clustering import ClusterConfig
from ui import segments_state as seg
from ui.cluster_views import DEFAULT_K_RANGE_STOP, matrix_key
from ui.precompute import FORMAT, sample_default_diagnostics


@pytest.fixture(scope="module")
def recomputed():
    return sample_default_diagnostics()


def test_shipped_diagnostics_match_a_fresh_computation(recomputed):
    key, fresh = recomputed
    payload = json.loads(seg.PRECOMPUTED_DIAGNOSTICS.read_text(encoding="utf-8"))
    assert payload["format"] == FORMAT
    assert key in payload["entries"], (
        "data/pet_dynamics_k_diagnostics.json is stale (the sample, features or settings "
        "changed): run `.venv/bin/python -m ui.precompute` and commit the file."
    )
    shipped = seg.KDiagnostics.from_dict(payload["entries"][key])
    assert shipped.recommended_k == fresh.recommended_k == 6
    assert shipped.reason == fresh.reason
    pd.testing.assert_frame_equal(shipped.table, fresh.table, rtol=1e-3, check_dtype=False)


def test_the_app_uses_the_shipped_numbers_without_computing(monkeypatch):
    from segmentation import load_sample
    from segmentation.segmenting.features import default_feature_config, prepare_features

    def refuse(*args, **kwargs):
        raise AssertionError("choose_k ran although the sample's diagnostics are shipped")

    monkeypatch.setattr(seg, "choose_k", refuse)
    data = load_sample()
    config = default_feature_config(data.customers, data.schema)
    matrix = prepare_features(data.customers, data.schema, config)
    result = seg.diagnostics(
        matrix_key(data, config), matrix, tuple(range(*DEFAULT_K_RANGE_STOP)), ClusterConfig()
    )
    assert result.recommended_k == 6 and list(result.table.index) == list(range(2, 9))


def test_other_settings_are_computed_as_usual(monkeypatch):
    calls = []
    monkeypatch.setattr(seg, "choose_k", lambda *args: calls.append(args) or "computed")
    assert seg.diagnostics("another data set", None, (2, 3, 4), ClusterConfig()) == "computed"
    assert calls
