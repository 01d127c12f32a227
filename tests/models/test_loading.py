"""Loading verifies the blob's sha256 and names what it cannot find."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.store.artifacts import ArtifactIntegrityError


@pytest.fixture
def registered(project) -> str:
    from sklearn.linear_model import LogisticRegression

    with wb.start_run() as run:
        run.log_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), name="churn")
    wb.models.promote("churn", version=1)
    return "churn"


def test_a_tampered_blob_is_detected_on_load(registered):
    version = wb.models.resolve("churn@champion")
    blob = wb.admin.get_store().blobs.blob_path(version.sha256)
    data = bytearray(blob.read_bytes())
    data[-600] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match=version.sha256):
        wb.models.load("churn@champion")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nope", r"No registered model 'nope'; known models: churn"),
        ("nope@champion", r"No registered model 'nope'"),
        ("churn/9", r"Model 'churn' has no version 9; known versions: 1"),
        ("churn@staging", r"no alias 'staging'; known aliases: champion \(version 1\)"),
    ],
)
def test_unknown_names_versions_and_aliases_are_clear_errors(registered, ref, message):
    with pytest.raises(wb.models.ModelNotFoundError, match=message):
        wb.models.load(ref)


def test_malformed_references_are_refused(registered):
    with pytest.raises(ValueError, match="positive integer"):
        wb.models.load("churn/latest")


def test_untrusted_types_need_trust_passed_through(project):
    from sklearn.ensemble import RandomForestClassifier

    from workbench.models import UntrustedModelError

    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit([[0.0], [1.0]], [0, 1])
    with wb.start_run() as run:
        run.log_model(forest, name="forest")
    with pytest.raises(UntrustedModelError):
        wb.models.load("forest")
    loaded = wb.models.load("forest", trusted_types=["sklearn.tree._tree.Tree"])
    assert loaded.predict([[1.0]]).tolist() == [1]
