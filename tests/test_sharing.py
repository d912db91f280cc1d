"""Project files and link tokens: round trips, clear messages, and rebuilding segments."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation import load_sample
from segmentation.mapping.selection import selection_segmentation
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.features import default_feature_config, prepare_features
from segmentation.segmenting.rfm import rfm_segmentation
from segmentation.segmenting.rfm_scoring import find_rfm_columns
from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rules_segmentation
from segmentation.sharing.projects import (
    FORMAT,
    MAX_LINK_CHARS,
    VERSION,
    DataInfo,
    Project,
    ProjectError,
    SegmentationRecord,
    apply_column_roles,
    column_roles,
    labels_digest,
    link_safe,
    project_from_json,
    project_from_link,
    project_to_json,
    project_to_link,
    rebuild_segmentation,
    record_segmentation,
)

# --- round trips (property tests) -----------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), text, st.floats(allow_nan=False)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=8,
)
sha = st.text("0123456789abcdef", min_size=64, max_size=64)
records = st.builds(
    SegmentationRecord,
    title=text,
    method=st.sampled_from(["kmeans", "rules", "rfm", "gmm"]),
    segment_names=st.dictionaries(st.integers(-1, 20), text, max_size=5),
    settings=st.dictionaries(text.filter(lambda k: k != "selections"), json_values, max_size=3),
    labels_sha256=sha,
    labels=st.none() | st.dictionaries(text, st.integers(-1, 20), max_size=5),
)
projects = st.builds(
    Project,
    data=st.builds(
        DataInfo, st.sampled_from(["sample", "example", "upload"]), text, sha, st.integers(0, 10**7)
    ),
    columns=st.dictionaries(text, st.fixed_dictionaries({"role": text, "base": text}), max_size=4),
    segmentations=st.lists(records, max_size=3).map(tuple),
    active=st.none() | text,
    notes=st.dictionaries(text, st.dictionaries(text, text, max_size=2), max_size=2),
    targeting=st.none() | st.dictionaries(text, json_values, max_size=3),
    view=st.dictionaries(text, json_values, max_size=5),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects)
def test_project_file_round_trip(project):
    assert project_from_json(project_to_json(project)) == project
    assert project_from_json(project_to_json(project).encode()) == project


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects)
def test_link_round_trip_keeps_every_setting_a_link_may_carry(project):
    safe = link_safe(project)
    assert project_from_link(project_to_link(project)) == safe
    assert all(record.labels is None for record in safe.segmentations)
    assert safe.notes == {}
    assert safe.view == project.view and safe.targeting == project.targeting


def test_link_leaves_out_labels_selections_and_notes():
    info = DataInfo("sample", "Pet Dynamics sample", "ab" * 32, 3)
    clusters = SegmentationRecord("k", "kmeans", {0: "A"}, {"cluster": {}}, "", {"c1": 0})
    lasso = SegmentationRecord(
        "lasso", "selection", {0: "Picked"}, {"selections": [{"customer_ids": ["c1"]}]}
    )
    project = Project(
        info, segmentations=(clusters, lasso), active="lasso", notes={"k": {"0": "x"}}
    )
    token = project_to_link(project)
    assert "c1" not in json.dumps(project_from_link(token).to_dict())
    restored = project_from_link(token)
    assert [r.title for r in restored.segmentations] == ["k"]
    assert restored.active is None and restored.notes == {}


# --- clear messages -------------------------------------------------------------------------

GOOD = Project(DataInfo("sample", "Pet Dynamics sample", "ab" * 32, 6000)).to_dict()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"format": "segment-studio-project", "version": 1,', r"not valid JSON \(line 1"),
        ("", r"not valid JSON"),
        (b"\xff\xfe\x00junk", r"is not text .* not a Segment Studio project"),
        ("[1, 2, 3]", r"not a Segment Studio project: it has the form of a JSON list"),
        ('{"name": "my notes"}', r"not a Segment Studio project: it has no 'format' field"),
        (
            json.dumps({**GOOD, "format": "tableau-workbook"}),
            r"its 'format' is 'tableau-workbook', not 'segment-studio-project'",
        ),
        (
            json.dumps({**GOOD, "version": VERSION + 1}),
            rf"newer Segment Studio \(project version {VERSION + 1}; this app reads up to "
            rf"version {VERSION}\)\. Update the app",
        ),
        (json.dumps({**GOOD, "version": "one"}), r"version 'one'; a project version is a whole"),
        (json.dumps({**GOOD, "data": {"kind": "sample"}}), r"a part is missing .*KeyError"),
        (
            json.dumps({**GOOD, "data": {**GOOD["data"], "kind": "ftp"}}),
            r"data kind 'ftp' is not one of sample, example, upload",
        ),
    ],
)
def test_bad_project_files_get_a_clear_message(content, match):
    with pytest.raises(ProjectError, match=match):
        project_from_json(content, "The project file")


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("hello", r"does not hold a Segment Studio view"),
        ("v1.", r"does not hold a Segment Studio view"),
        (f"v{VERSION + 1}.abc", r"made by a newer Segment Studio"),
        ("v1.eJzLSM3JyVcozy_KSQEAGgQEXQ", r"damaged"),
        ("v1.!!!!", r"damaged"),
    ],
)
def test_bad_links_get_a_clear_message(token, match):
    with pytest.raises(ProjectError, match=match):
        project_from_link(token)


def test_cut_short_link_is_reported_as_damaged():
    token = project_to_link(Project(DataInfo("sample", "s", "ab" * 32, 1), view={"k": "v" * 50}))
    with pytest.raises(ProjectError, match="damaged"):
        project_from_link(token[: len(token) // 2])


def test_too_long_link_says_to_save_a_project_instead():
    import random

    noise = random.Random(0).randbytes(MAX_LINK_CHARS).hex()  # does not compress
    project = Project(DataInfo("sample", "s", "ab" * 32, 1), view={"note": noise})
    with pytest.raises(ProjectError, match="use 'Save project'"):
        project_to_link(project)


def test_format_constants_are_in_the_file():
    document = json.loads(project_to_json(Project(DataInfo("upload", "c.csv", "ab" * 32, 1))))
    assert document["format"] == FORMAT and document["version"] == VERSION


# --- rebuilding segments from settings ------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def _rebuilt(sample, segmentation, include_labels=False):
    record = record_segmentation(segmentation, include_labels)
    back = project_from_json(
        project_to_json(Project(DataInfo("sample", "s", "a" * 64, 1), {}, (record,)))
    )
    return rebuild_segmentation(sample.customers, sample.schema, back.segmentations[0])


def test_clusters_rebuild_to_the_same_segments_and_names(sample):
    matrix = prepare_features(
        sample.customers, sample.schema, default_feature_config(sample.customers, sample.schema)
    )
    original = cluster_customers(matrix, ClusterConfig(n_segments=4)).segmentation
    original = replace(original.renamed(0, "Big spenders"), title="My clusters")
    rebuilt = _rebuilt(sample, original)
    assert labels_digest(rebuilt.labels) == labels_digest(original.labels)
    assert dict(rebuilt.segment_names) == dict(original.segment_names)
    assert rebuilt.title == "My clusters" and rebuilt.method == "kmeans"


def test_rules_and_rfm_rebuild_from_settings(sample):
    rules = [Rule("Dog people", RuleGroup("all", (Condition("pet_type", "equals", "Dog"),)))]
    by_rule = rules_segmentation(sample.customers, "customer_id", rules, "Pets")
    rfm = rfm_segmentation(sample.customers, "customer_id", find_rfm_columns(sample.schema))
    for original in (by_rule, rfm):
        rebuilt = _rebuilt(sample, original)
        assert rebuilt.labels.sort_index().equals(original.labels.sort_index())
        assert dict(rebuilt.segment_names) == dict(original.segment_names)


def test_labels_travel_when_asked_and_map_selections_rebuild(sample):
    ids = pd.Index(sample.customers["customer_id"])
    picked = selection_segmentation(ids[:25], ids, "Picked on the map")
    rebuilt = _rebuilt(sample, picked)
    assert rebuilt.labels.sort_index().equals(picked.labels.sort_index())
    carried = _rebuilt(sample, picked, include_labels=True)
    assert labels_digest(carried.labels) == labels_digest(picked.labels)


def test_labels_of_other_data_are_refused(sample):
    record = SegmentationRecord("x", "rules", {0: "A"}, {}, "", {"not-a-customer": 0})
    with pytest.raises(ProjectError, match="1 customers of the saved segments are not in this"):
        rebuild_segmentation(sample.customers, sample.schema, record)


def test_clusters_on_missing_columns_are_refused(sample):
    settings = {"cluster": ClusterConfig().to_dict(), "features": {"columns": ["shoe_size"]}}
    record = SegmentationRecord("x", "kmeans", {}, settings)
    with pytest.raises(ProjectError, match="columns this data does not have: shoe_size"):
        rebuild_segmentation(sample.customers, sample.schema, record)


def test_column_roles_round_trip_without_example_values(sample):
    roles = column_roles(sample.schema)
    assert "examples" not in json.dumps(roles)
    edited = apply_column_roles(sample.schema, {"age": {"role": "ignore", "base": "demographic"}})
    assert edited.column("age").role == "ignore"
    assert apply_column_roles(edited, roles).column("age").role == sample.schema.column("age").role


def test_clusters_of_a_rule_filtered_population_rebuild_on_the_same_customers(sample):
    from segmentation.segmenting.rules import filter_customers

    dogs = Rule("Dog people", RuleGroup("all", (Condition("pet_type", "equals", "Dog"),)))
    population = filter_customers(sample.customers, dogs)
    config = default_feature_config(sample.customers, sample.schema)
    matrix = prepare_features(population, sample.schema, config)
    original = cluster_customers(matrix, ClusterConfig(n_segments=3)).segmentation
    original = replace(original, settings={**original.settings, "population": dogs.to_dict()})
    rebuilt = _rebuilt(sample, original)
    assert len(rebuilt.labels) == len(population) < len(sample.customers)
    assert labels_digest(rebuilt.labels) == labels_digest(original.labels)


def test_a_project_remembers_column_meanings_and_older_files_keep_the_detected_ones(sample):
    edited = sample.schema.with_column_meaning("occupation", "free_text")
    roles = column_roles(edited)
    assert roles["occupation"] == {"role": "ignore", "base": "demographic", "meaning": "free_text"}
    restored = apply_column_roles(sample.schema, roles)
    assert restored.column("occupation").meaning == "free_text"
    assert restored.column("occupation").role == "ignore"
    older = apply_column_roles(sample.schema, {"occupation": {"role": "ignore", "base": "other"}})
    assert older.column("occupation").meaning == "other"  # as detected
    assert older.column("monetary").meaning == "customer_value"
