"""Register model versions: from a run's model artifact, or straight from ``log_model``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._project import user
from workbench.models._backend import stores
from workbench.models.errors import NotAModelError
from workbench.models.formats import save_model
from workbench.models.manifest import MANIFEST_NAME, ModelFiles
from workbench.models.packing import SIGNATURE_NAME, pack_directory, read_member
from workbench.models.refs import check_name
from workbench.models.signature import Signature, infer_signature
from workbench.store.artifacts import check_artifact_path
from workbench.store.records import ArtifactRecord
from workbench.store.registry_store import ModelVersionRecord
from workbench.tracking import fluent

if TYPE_CHECKING:
    from workbench.tracking.run import ActiveRun

DEFAULT_ARTIFACT = "models/model"


def register(run_id: str, name: str, artifact: str = DEFAULT_ARTIFACT) -> ModelVersionRecord:
    """Register the model a run logged as a new version of ``name`` (created if new).

    The version records the run, the artifact's sha256, the model's files and signature,
    the run's training dataset fingerprint (role ``"train"``) and its latest metrics.

    Args:
        run_id: the run that logged the model.
        name: the registered model's name (letters, digits, ``_ . -``).
        artifact: the model's artifact path in the run (``run.log_model`` writes
            ``models/<name>``, or ``models/model`` without a name).

    Example:
        >>> import workbench as wb
        >>> with wb.start_run() as run:  # doctest: +SKIP
        ...     run.log_model(model)
        >>> wb.models.register(run.id, "churn-model").version  # doctest: +SKIP
        1
    """
    check_name(name)
    tracking, registry = stores()
    current = fluent.active_run()
    if current is not None and current.id == run_id:
        current.flush()  # its buffered metrics belong to the version
    details = tracking.get_run_details(run_id)
    found = {a.path: a for a in details.artifacts}
    if artifact not in found:
        models = sorted(path for path in found if path.startswith("models/"))
        raise NotAModelError(
            f"Run {run_id} has no artifact {artifact!r}; its model artifacts: "
            f"{', '.join(models) or 'none (log one with run.log_model(model))'}."
        )
    record = found[artifact]
    packed = tracking.blobs.read_bytes(record.sha256)
    try:
        manifest = read_member(packed, MANIFEST_NAME)
    except Exception as error:  # tarfile raises several types on non-tar content
        raise NotAModelError(
            f"Artifact {artifact!r} of run {run_id} is not a model packed by run.log_model."
        ) from error
    if manifest is None:
        raise NotAModelError(
            f"Artifact {artifact!r} of run {run_id} holds no {MANIFEST_NAME}: it is not a "
            "model packed by run.log_model."
        )
    files = ModelFiles.from_dict(json.loads(manifest))
    signature = read_member(packed, SIGNATURE_NAME)
    train = sorted(d.fingerprint for d in details.datasets if d.role == "train")
    return registry.create_version(
        name=name,
        run_id=run_id,
        artifact_path=artifact,
        sha256=record.sha256,
        size=record.size,
        format=files.format,
        flavor=files.flavor,
        files_json=json.dumps(files.to_dict(), sort_keys=True),
        signature_json=signature.decode() if signature is not None else None,
        dataset_fingerprint=train[0] if train else None,
        metrics_json=json.dumps(details.metrics, sort_keys=True),
        user=user(),
    )


def _example_prediction(model: Any, example: Any) -> Any:
    predict = getattr(model, "predict", None)
    if predict is None:
        return None
    try:
        return predict(example)
    except Exception:  # the output spec is a nicety; the inputs are what gets checked
        return None


def log_model(
    run: ActiveRun,
    model: Any,
    *,
    name: str | None = None,
    signature: Signature | None = None,
    input_example: Any = None,
    format: str | None = None,
) -> ModelVersionRecord | ArtifactRecord:
    """Save ``model`` safely, attach it to ``run`` as ``models/<name>`` and, with a
    ``name``, register it; see :meth:`workbench.tracking.run.ActiveRun.log_model`."""
    if name is not None:
        check_name(name)
    path = check_artifact_path(f"models/{name or 'model'}")
    if signature is None and input_example is not None:
        signature = infer_signature(input_example, _example_prediction(model, input_example))
    with tempfile.TemporaryDirectory(prefix="workbench-model-") as tmp:
        directory = Path(tmp) / "model"
        save_model(model, directory, format=format)
        if signature is not None:
            (directory / SIGNATURE_NAME).write_text(
                json.dumps(signature.to_dict(), sort_keys=True), encoding="utf-8"
            )
        packed = pack_directory(directory)
    tracking, _ = stores()
    sha, size = tracking.blobs.put_bytes(packed)
    tracking.add_artifact(run.id, path, sha, size)
    if name is None:
        return tracking.artifact(run.id, path)
    run.flush()
    return register(run.id, name, artifact=path)
