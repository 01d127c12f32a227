"""Models: safe persistence (LightGBM text, skops; pickle only when asked) and signatures.

The registry (versions, aliases, ``wb.models.promote``) builds on these (issue #3).
"""

from workbench.models.errors import UnsupportedModelError, UntrustedModelError
from workbench.models.formats import load_model, save_model
from workbench.models.manifest import ModelFiles
from workbench.models.signature import Signature, SignatureError, infer_signature

__all__ = [
    "ModelFiles",
    "Signature",
    "SignatureError",
    "UnsupportedModelError",
    "UntrustedModelError",
    "infer_signature",
    "load_model",
    "save_model",
]
