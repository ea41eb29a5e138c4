"""The torch-backed verifier: ``archcalc verify``.

The engine is pure arithmetic; this subpackage is its independent witness. It builds a real
``torch.nn.Module`` from a spec (one torch module per archcalc layer, ``builders.BUILDERS``), lets
torch say what every layer's output shape, parameter count and FLOPs are (``check``), compares
them with the engine's rows, and cross-checks whole networks against their reference
implementations in torchvision and timm (``reference``).

torch is imported only by the modules of this subpackage, and this package is imported only
inside the ``verify`` command, so ``archcalc --help`` and ``archcalc table`` never load it.
Install it with ``pip install 'archcalc[verify]'`` (``[xcheck]`` adds torchvision and timm).
"""

from __future__ import annotations

from ..core.errors import ArchcalcError

INSTALL_HINT = ("install it with: pip install 'archcalc[verify]' (and 'archcalc[xcheck]' for the "
                "torchvision/timm cross-check)")


def require_torch():
    """``torch``, or an ``ArchcalcError`` that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ArchcalcError(f"archcalc verify needs torch, which is not installed; "
                            f"{INSTALL_HINT}") from None
    return torch
