"""Compare the engine's rows with what torch says about the model built from the same spec.

For each layer: the output shape, recorded by a forward hook during a real forward pass on the
chosen device (whose outputs must be finite); the parameters, counted from the layer's module (trainable, and frozen — fixed
prototypes — separately, and the floating-point buffers: batch norm's running mean and variance,
which archcalc counts as buffers, not parameters); and the FLOPs, counted by
``torch.utils.flop_counter.FlopCounterMode`` on the ``meta`` device (no memory allocated), which
counts 2 per multiply-accumulate of convolutions and matrix products and nothing else — the
engine's MACs convention, so torch's FLOPs must equal 2 × MACs × batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..analysis import counting as N
from ..core.errors import ArchcalcError
from ..core.progress import step
from ..core.records import Analysis, Shape
from ..core.spec import Network
from .model import GraphModel, build, first_line, materialize


@dataclass(frozen=True)
class LayerCheck:
    """One layer: archcalc's numbers beside torch's. ``torch_shape`` is per sample; ``None``
    where torch did not get this far (``error`` says why, at the layer torch refused)."""

    name: str
    kind: str
    aux: bool
    shape: tuple[int, ...]
    torch_shape: tuple[int, ...] | None
    params: int
    torch_params: int | None
    fixed: int
    torch_fixed: int | None
    buffers: int
    torch_buffers: int | None
    flops: int
    torch_flops: int | None
    finite: bool = True
    error: str = ""

    @property
    def mismatches(self) -> tuple[str, ...]:
        """What disagrees: any of "shape", "params", "fixed", "buffers", "flops", "values",
        "torch" (torch refused the layer, or did not reach it)."""
        if self.error:
            return ("torch",)
        out = []
        for what, ours, theirs in (("shape", self.shape, self.torch_shape),
                                   ("params", self.params, self.torch_params),
                                   ("fixed", self.fixed, self.torch_fixed),
                                   ("buffers", self.buffers, self.torch_buffers),
                                   ("flops", self.flops, self.torch_flops)):
            if ours != theirs:
                out.append(what)
        if not self.finite:
            out.append("values")
        return tuple(out)

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class NetworkCheck:
    network: str
    device: str
    batch: int
    input: Shape
    layers: tuple[LayerCheck, ...]
    reference: object = None        # reference.ReferenceCheck, or None where there is none
    inputs: tuple = ()              # ((name, Shape), …): every input (several, or none given)

    @property
    def input_text(self) -> str:
        """``input 3×224×224``, or ``inputs image 3×64×64, mask 1×64×64``."""
        if len(self.inputs) < 2:
            return f"input {self.input}"
        return "inputs " + ", ".join(f"{n} {x}" for n, x in self.inputs)

    @property
    def failures(self) -> list[LayerCheck]:
        return [c for c in self.layers if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and (self.reference is None or self.reference.ok)


def shape_of(s: Shape) -> tuple[int, ...]:
    """archcalc's shape in torch's per-sample terms: (C,) for a vector, else (C, H, W)."""
    return (s.c,) if s.flat else (s.c, s.h, s.w)


def count_params(module) -> tuple[int, int, int]:
    """(trainable, frozen, buffer) element counts of one layer's module. Only floating-point
    buffers count: batch norm's ``num_batches_tracked`` is a step counter, not state of the
    layer's function."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    return trainable, frozen, sum(b.numel() for b in module.buffers() if b.is_floating_point())


def run_shapes(model: GraphModel, x, name: str = "the network"
               ) -> tuple[list[tuple[tuple[int, ...], bool]], str]:
    """A real forward pass: each layer's output shape (batch included), recorded by forward
    hooks, and for the network's outputs (layers no other layer reads: the classifier, the aux
    heads) whether all their values are finite — a NaN or an infinity anywhere ends up there;
    and torch's error if the pass stopped (at the layer after the last one recorded). ``x`` is
    the input tensor, or a tuple of one per network input."""
    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    x = xs[0]
    seen: list[tuple[tuple[int, ...], bool]] = []
    read = {n for ins in model.inputs for n in ins}
    total = f"{len(model.layers):,}"

    real = x.device.type != "meta"      # on meta there are shapes but no values to look at

    def hook(module, args, out):
        step(f"{name}: forward pass on {x.device.type}, layer {len(seen) + 1:,} of {total}")
        leaf = real and model.names[len(seen)] not in read
        seen.append((tuple(out.shape), bool(torch.isfinite(out).all()) if leaf else True))

    handles = [m.register_forward_hook(hook) for m in model.layers]
    # Deep stacks of freshly initialised layers shrink activations into subnormal floats, which
    # CPUs compute tens of times more slowly; flushing them to zero changes no shape.
    torch.set_flush_denormal(True)
    error = ""
    try:
        with torch.inference_mode():
            model(*xs)
    except RuntimeError as e:       # out of memory, a device error: reported at its layer
        error = first_line(e)
    finally:
        torch.set_flush_denormal(False)
        for h in handles:
            h.remove()
    return seen, error


def check(net: Network, analysis: Analysis, device: str = "cpu", batch: int = 1,
          seed: int = 0) -> NetworkCheck:
    """Build ``net`` in torch and compare it with ``analysis`` (the engine's rows for it)."""
    built = build(net, batch)
    model, flops = built.model, built.flops
    counts = [count_params(m) for m in model.layers]
    torch.manual_seed(seed)
    try:
        model = materialize(model, device)
        x = tuple(torch.randn(batch, *shape.as_list(), device=device)
                  for _, shape in net.inputs)
    except (RuntimeError, MemoryError) as e:    # out of memory on the device
        raise ArchcalcError(f"{net.name}: torch could not allocate the network and its input "
                            f"on {device} ({first_line(e)})") from None
    shapes, error = run_shapes(model, x, net.name)
    if built.failed_at is None and error:
        built.failed_at, built.error = len(shapes), error
    del model, x

    checks = []
    for i, r in enumerate(analysis.rows):
        ours = dict(name=r.name, kind=r.kind, aux=r.aux, shape=shape_of(r.output),
                    params=N.params(r), fixed=r.counts.fixed, buffers=r.counts.buffers,
                    flops=N.flops(r) * batch)
        if i < len(shapes):
            full, finite = shapes[i]
            trainable, frozen, buffers = counts[i]
            # A batch dimension that is not ``batch`` stays visible in the shape compared.
            torch_shape = full[1:] if full[:1] == (batch,) else full
            checks.append(LayerCheck(**ours, torch_shape=torch_shape, torch_params=trainable,
                                     torch_fixed=frozen, torch_buffers=buffers,
                                     torch_flops=flops[i], finite=finite))
        else:
            error = built.error if i == built.failed_at else "not reached"
            checks.append(LayerCheck(**ours, torch_shape=None, torch_params=None,
                                     torch_fixed=None, torch_buffers=None, torch_flops=None,
                                     error=error))
    return NetworkCheck(analysis.network, device, batch, analysis.input, tuple(checks),
                        inputs=analysis.inputs)
