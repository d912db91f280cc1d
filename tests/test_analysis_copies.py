"""An analysis copied with its data: sealed snapshots and project files with the customer table
give back the same customers, schema, report, source and orders."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from segmentation import customers_from_orders, customers_from_table, load_sample
from segmentation.data.build import read_input
from segmentation.data.dataset import CustomerData
from segmentation.errors import SnapshotError
from segmentation.sharing.analysis_copies import (
    PROJECT_DATA_KEY,
    analysis_from_snapshot,
    analysis_snapshot,
    project_from_file,
    project_json_with_data,
)
from segmentation.sharing.projects import DataInfo, Project, ProjectError, project_from_json
from segmentation.sharing.snapshots import (
    PLAINTEXT_MAGIC_V1,
    Snapshot,
    open_sealed,
    seal,
    snapshot_from_bytes,
    snapshot_to_bytes,
    table_to_bytes,
)
from tests.test_app import CUSTOMERS_CSV, EXCERPT

ROOT = Path(__file__).resolve().parent.parent
OLD_PROJECT = ROOT / "tests" / "fixtures" / "project_before_layout.json"


@pytest.fixture(scope="module")
def sample() -> CustomerData:
    return load_sample()


@pytest.fixture(scope="module")
def from_orders() -> CustomerData:
    read = read_input(EXCERPT.read_bytes(), EXCERPT.name, 50)
    return customers_from_orders(read.table, read.typed, read.suggested)


@pytest.fixture(scope="module")
def from_customers() -> CustomerData:
    read = read_input(CUSTOMERS_CSV.encode(), "crm.csv", 50)
    return customers_from_table(read.table, read.typed)


def project_for(data: CustomerData) -> Project:
    info = DataInfo(data.source.kind, data.source.name, data.source.content_sha256, 1)
    return Project(info, notes={"k-means": {"0": "call first"}}, view={"seg_k": 4})


def assert_same_data(got: CustomerData, expected: CustomerData) -> None:
    pd.testing.assert_frame_equal(got.customers, expected.customers)
    assert got.schema == expected.schema
    assert got.report == expected.report
    assert got.source == expected.source
    if expected.orders is None:
        assert got.orders is None
        return
    pd.testing.assert_frame_equal(got.orders.orders, expected.orders.orders)
    for name in ("n_lines", "n_orders", "exclusions", "period_start", "period_end", "notes"):
        assert getattr(got.orders, name) == getattr(expected.orders, name), name
    assert got.orders.currency == expected.orders.currency
    assert got.orders.currency_shares == expected.orders.currency_shares


@pytest.mark.parametrize("name", ["sample", "from_orders", "from_customers"])
def test_a_sealed_analysis_opens_with_the_same_data_and_project(name, request):
    data = request.getfixturevalue(name)
    sealed = seal(analysis_snapshot(data, project_for(data)))
    opened = analysis_from_snapshot(open_sealed(sealed.ciphertext, sealed.key, sealed.snapshot_id))
    assert_same_data(opened.data, data)
    assert opened.project == project_for(data)


def test_only_customers_and_orders_travel_never_the_raw_upload(from_orders, from_customers):
    assert set(analysis_snapshot(from_orders, project_for(from_orders)).tables) == {"orders"}
    assert list(from_orders.orders.orders.columns) == ["customer", "date", "value"]
    assert not analysis_snapshot(from_customers, project_for(from_customers)).tables


def test_a_snapshot_that_is_not_an_analysis_is_refused(sample):
    with pytest.raises(SnapshotError, match="other than a Segment Studio analysis"):
        analysis_from_snapshot(Snapshot(sample.customers, {"page": "map"}))
    state = {"format": "segment-studio-analysis", "version": 99}
    with pytest.raises(SnapshotError, match="made by a newer Segment Studio"):
        analysis_from_snapshot(Snapshot(sample.customers, state))


def test_first_version_snapshots_without_tables_still_open():
    frame = pd.DataFrame({"spend": [1.5, 2.0]})
    state = zlib.compress(json.dumps({"page": "map"}).encode())
    plaintext = PLAINTEXT_MAGIC_V1 + struct.pack(">I", len(state)) + state + table_to_bytes(frame)
    opened = snapshot_from_bytes(plaintext)
    pd.testing.assert_frame_equal(opened.customers, frame)
    assert opened.state == {"page": "map"} and not opened.tables


def test_a_cut_snapshot_is_refused_with_a_message(sample):
    sealed = seal(analysis_snapshot(sample, project_for(sample)))
    plaintext = open_sealed(sealed.ciphertext, sealed.key, sealed.snapshot_id)
    assert plaintext.tables  # the sample has orders
    raw = snapshot_to_bytes(plaintext)
    with pytest.raises(SnapshotError, match="cannot be read"):
        snapshot_from_bytes(raw[:-100])


# --- project files with the customer table --------------------------------------------------


@pytest.mark.parametrize("name", ["from_orders", "from_customers"])
def test_a_project_file_with_the_table_is_a_full_offline_copy(name, request):
    data = request.getfixturevalue(name)
    text = project_json_with_data(project_for(data), data)
    project, opened = project_from_file(text.encode(), "'copy.json'")
    assert project == project_for(data)
    pd.testing.assert_frame_equal(opened.customers, data.customers)
    assert opened.schema == data.schema and opened.report == data.report
    assert opened.source.name == data.source.name
    # the fingerprint comes from the copy itself, so a file cannot pose as another file's data
    assert opened.source.content_sha256 != data.source.content_sha256
    assert project_from_file(text)[1].source.content_sha256 == opened.source.content_sha256


def test_apps_without_copies_read_the_file_as_a_plain_project(from_customers):
    text = project_json_with_data(project_for(from_customers), from_customers)
    assert project_from_json(text) == project_for(from_customers)


def test_plain_and_old_project_files_carry_no_data():
    text = OLD_PROJECT.read_text()
    project, data = project_from_file(text, "'old.json'")
    assert data is None and project == project_from_json(text)


def test_built_in_data_is_taken_from_the_app_not_the_copy(sample):
    text = project_json_with_data(project_for(sample), sample)
    assert project_from_file(text)[1] is None


def test_a_damaged_table_in_a_project_file_is_refused(from_customers):
    document = json.loads(project_json_with_data(project_for(from_customers), from_customers))
    document[PROJECT_DATA_KEY]["customers"] = document[PROJECT_DATA_KEY]["customers"][:-40]
    with pytest.raises(ProjectError, match="'cut' carries a customer table that cannot"):
        project_from_file(json.dumps(document), "'cut'")
