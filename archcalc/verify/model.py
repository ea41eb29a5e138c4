"""A real ``torch.nn.Module`` built from a spec's graph: one torch module per archcalc layer.

``build`` walks the spec's nodes in order on the ``meta`` device (no memory is allocated): each
node's builder gets the input shapes torch itself produced, and the module is run once on meta
tensors, under ``torch.utils.flop_counter.FlopCounterMode``, to get its output shape for the
next node and its FLOPs. The engine's rows are never consulted, so the
model is an independent witness of them. ``GraphModel.forward`` follows the same graph: every
layer reads the outputs its node names (concat and add take several).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..core.progress import step
from ..core.spec import Network, Node
from .builders import BUILDERS


class GraphModel(nn.Module):
    """``layers[i]`` computes ``nodes[i]``; ``forward`` takes one tensor per network input, in
    the spec's order (``input_names``), and returns the last node's output.

    Layers live in an ``nn.ModuleList`` (archcalc names may contain any character, and torch
    module names may not contain '.'); ``names[i]`` is the archcalc name of ``layers[i]``.
    """

    def __init__(self, nodes: list[Node], modules: list[nn.Module],
                 input_names: tuple[str, ...] = ("input",)):
        super().__init__()
        self.input_names = tuple(input_names)
        self.layers = nn.ModuleList(modules)
        self.names = [n.name for n in nodes]
        self.inputs = [n.inputs for n in nodes]
        # After which layer each output is read for the last time, so it can be freed.
        last_use: dict[str, int] = {}
        for i, ins in enumerate(self.inputs):
            for name in ins:
                last_use[name] = i
        self.free_after = [[n for n in set(ins) if last_use[n] == i]
                           for i, ins in enumerate(self.inputs)]

    def forward(self, *xs):
        env = dict(zip(self.input_names, xs))
        out = xs[0]
        for i, (layer, name) in enumerate(zip(self.layers, self.names)):
            out = env[name] = layer(*(env[n] for n in self.inputs[i]))
            for n in self.free_after[i]:
                if n != name:
                    del env[n]
        return out


@dataclass
class Built:
    """What ``build`` made: the model of the nodes it could build, in order, and each layer's
    FLOPs as FlopCounterMode counted them; where torch refused a node, its index and torch's
    message."""

    model: GraphModel
    flops: list[int]
    failed_at: int | None = None
    error: str = ""


def shortcut_inputs(node: Node, producers: dict[str, Node]) -> tuple[int, ...]:
    """Positions of ``node``'s inputs that are identity shortcuts: an input that another input
    is computed from (x in x + scale·F(x))."""
    def ancestors(name: str) -> set[str]:
        seen, todo = set(), [name]
        while todo:
            n = todo.pop()
            if n in producers:
                for i in producers[n].inputs:
                    if i not in seen:
                        seen.add(i)
                        todo.append(i)
        return seen

    ups = [ancestors(n) for n in node.inputs]
    return tuple(i for i, n in enumerate(node.inputs)
                 if any(n in up for j, up in enumerate(ups) if j != i))


def build(net: Network, batch: int = 1) -> Built:
    """The torch model of ``net``, on the meta device, for inputs of ``batch`` samples."""
    modules: list[nn.Module] = []
    flops: list[int] = []
    producers: dict[str, Node] = {}
    with torch.device("meta"):
        env = {name: torch.empty(batch, *x.as_list()) for name, x in net.inputs}
        names = tuple(name for name, _ in net.inputs)
        total = f"{len(net.nodes):,}"
        for i, node in enumerate(net.nodes):
            step(f"{net.name}: building layer {i + 1:,} of {total} in torch")
            ins = [env[n] for n in node.inputs]
            shapes = [tuple(t.shape[1:]) for t in ins]
            try:
                context = ()
                builder = BUILDERS[node.kind]
                if getattr(builder, "needs_shortcuts", False) and node.attrs.get("scale", 1) != 1:
                    context = (shortcut_inputs(node, producers),)
                module = builder(node.attrs, shapes, *context).eval()
                with FlopCounterMode(display=False) as counter:
                    env[node.name] = module(*ins)
            except (RuntimeError, ValueError, TypeError, IndexError) as e:
                return Built(GraphModel(net.nodes[:i], modules, names), flops, i,
                             first_line(e))
            modules.append(module)
            flops.append(counter.get_total_flops())
            producers[node.name] = node
    return Built(GraphModel(net.nodes, modules, names), flops)


def materialize(model: GraphModel, device) -> GraphModel:
    """The meta model with real, freshly initialised tensors on ``device``, in eval mode."""
    model = model.to_empty(device=device)
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    return model.eval()


def first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"
