"""Files made before ``segmentation/`` was grouped by stage still open, with the same results.

``tests/fixtures/*_before_layout.*`` were written by commit 7318a34 (the flat layout): a project
file and a link on the bundled sample (clusters with a renamed segment, a rule, RFM, a map
selection carrying its labels), and a model file for ``python -m segmentation assign``.
``before_layout_expected.json`` holds what they gave then.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation import load_sample
from segmentation.sharing.projects import (
    labels_digest,
    project_from_json,
    project_from_link,
    rebuild_segmentation,
)
from segmentation.sharing.reuse import assign_segments, load_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED = json.loads((FIXTURES / "before_layout_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_a_project_file_rebuilds_the_same_segments_and_names(sample):
    project = project_from_json((FIXTURES / "project_before_layout.json").read_bytes())
    assert project.data.content_sha256 == sample.source.content_sha256
    assert project.active == "My clusters" and project.view == {"page": "personas"}
    assert project.notes == {"My clusters": {"0": "Our best customers; call them first."}}
    for record in project.segmentations:
        rebuilt = rebuild_segmentation(sample.customers, sample.schema, record)
        expected = EXPECTED[record.title]
        assert rebuilt.method == expected["method"]
        assert labels_digest(rebuilt.labels) == expected["labels_sha256"], record.title
        assert {str(k): v for k, v in rebuilt.segment_names.items()} == expected["segment_names"]
    assert [r.title for r in project.segmentations] == [t for t in EXPECTED if t != "model"]


def test_a_link_restores_the_settings_it_carried(sample):
    project = project_from_link((FIXTURES / "link_before_layout.txt").read_text().strip())
    titles = [r.title for r in project.segmentations]
    assert titles == ["My clusters", "Pets", "RFM"]  # a link never carries map selections
    clusters = rebuild_segmentation(sample.customers, sample.schema, project.segmentations[0])
    assert labels_digest(clusters.labels) == EXPECTED["My clusters"]["labels_sha256"]
    assert project.targeting is not None and project.view == {"page": "personas"}


def test_a_model_file_assigns_as_it_did(tmp_path):
    model = load_model(FIXTURES / "model_before_layout.joblib")
    new = pd.read_csv(FIXTURES / "model_before_layout_input.csv", dtype=str)
    assigned = assign_segments(model, new)
    assert {str(k): str(v) for k, v in assigned.items()} == EXPECTED["model"]["assigned"]
    assert "segmentation.reuse" not in sys.modules  # the old names are not left behind
    done = subprocess.run(
        [sys.executable, "-m", "segmentation", "assign",
         str(FIXTURES / "model_before_layout.joblib"),
         str(FIXTURES / "model_before_layout_input.csv"), str(tmp_path / "out.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "out.csv", dtype=str).set_index("customer_id")["segment"]
    assert out.to_dict() == EXPECTED["model"]["assigned"]
