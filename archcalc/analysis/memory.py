"""Memory: activation values a forward pass stores, their bytes, and a training estimate.

The activation count follows the lecture-notes convention (CS231n's VGG-16 walk-through): the
input plus the output of every layer that makes a new tensor. Layers that make none are left
out: activation functions applied in place (ReLU, tanh, sigmoid share their input's storage),
dropout (the identity at inference), flatten (a view) and the closing softmax (the count stops
at the logits). The rule is ``counting.activations``, which asks each kind's rule. VGG-16 at
224×224 stores 15,237,608 values this way.

The training estimate adds, per image of the batch, the activations kept for the backward pass
(taken as the forward count above), and once per batch the parameters, their gradients and the
optimizer's state: none for plain SGD, one buffer per parameter for SGD with momentum, two for
Adam (first and second moments). Every figure is in the chosen dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.records import Analysis
from .counting import activation_values, activations  # noqa: F401  (activations: re-exported)

from .dtypes import DTYPES, OPTIMIZERS  # noqa: F401  (the choices; memory's to count with)

OPTIMIZER_TEXT = {"sgd": "plain SGD keeps no state", "momentum": "SGD with momentum keeps one "
                  "velocity per parameter", "adam": "Adam keeps two moments per parameter"}


@dataclass(frozen=True)
class Memory:
    """Exact element and byte counts; ``batch`` images, ``bytes_per`` bytes per value."""

    input_values: int
    activation_values: int        # per image, input included
    params: int
    bytes_per: int
    batch: int
    optimizer: str

    @property
    def activation_bytes(self) -> int:
        return self.activation_values * self.bytes_per

    @property
    def param_bytes(self) -> int:
        return self.params * self.bytes_per

    @property
    def state(self) -> int:
        """Optimizer state values."""
        return OPTIMIZERS[self.optimizer] * self.params

    @property
    def training_values(self) -> int:
        """Parameters + gradients + optimizer state + activations × batch."""
        return 2 * self.params + self.state + self.activation_values * self.batch

    @property
    def training_bytes(self) -> int:
        return self.training_values * self.bytes_per


def memory(a: Analysis, params: int, dtype: str = "fp32", batch: int = 1,
           optimizer: str = "sgd", aux: bool = False, activations: int | None = None) -> Memory:
    """The memory of ``a``; ``aux`` includes the auxiliary heads' outputs (training).
    ``activations``: the rows' ``counting.activations`` (with ``aux``, the heads' too) where the
    caller summed them already (a table's totals): the rows are not read again."""
    values = (activation_values(a, aux) if activations is None
              else a.input_elements + activations)
    return Memory(a.input_elements, values, params, DTYPES[dtype], batch, optimizer)
