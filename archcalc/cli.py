"""The ``archcalc`` command: parses arguments, calls the engine, prints. Nothing else."""

from __future__ import annotations

import re
import sys

import click

from .errors import ArchcalcError


class UserError(click.ClickException):
    """Bad input: the message, exit status 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"archcalc: error: {self.format_message()}", err=True)


def parse_input(text: str, channels: int):
    """``224`` (H = W, the spec's C), ``224x224`` (H×W) or ``3x224x224`` (C×H×W)."""
    from .records import Shape

    parts = re.split(r"\s*[x×,]\s*", text.strip().lower())
    if not all(re.fullmatch(r"[0-9]+", p) for p in parts) or len(parts) not in (1, 2, 3):
        raise UserError(f"--input: expected 224, 224x224 or 3x224x224 (whole numbers), "
                        f"found {text!r}")
    nums = [int(p) for p in parts]
    if any(n < 1 for n in nums):
        raise UserError(f"--input: every size must be at least 1, found {text!r}")
    if len(nums) == 1:
        return Shape(channels, nums[0], nums[0])
    if len(nums) == 2:
        return Shape(channels, *nums)
    return Shape(*nums)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archcalc", message="archcalc %(version)s")
def main() -> None:
    """Exact shapes, parameters and multiply-accumulates of classic CNNs, with the working shown.

    Every number is computed from a declarative spec (a TOML file) with the textbook formulas,
    e.g. O = ⌊(I − K + 2P)/S⌋ + 1. Start with `archcalc list` and `archcalc table alexnet`.
    """


@main.command("list")
def list_cmd() -> None:
    """List the bundled networks, each with a one-line description and its source."""
    from . import report, spec

    try:
        infos = [i for sf in spec.catalogue().values() for i in sf.infos()]
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    seen = set()
    unique = [i for i in infos if not (i.name in seen or seen.add(i.name))]
    click.echo(report.render_list(unique), nl=False)


@main.command("table")
@click.argument("network")
@click.option("--input", "input_", metavar="SIZE",
              help="Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W).")
@click.option("--no-bias", is_flag=True, help="Count weights only, without biases.")
@click.option("--format", "fmt", type=click.Choice(["text", "github", "csv", "json"]),
              default="text", show_default=True, help="Output format.")
@click.option("--strict", is_flag=True,
              help="Refuse an output size that the formula does not give as a whole number "
                   "(exit status 2) instead of flooring it.")
@click.option("--aux", is_flag=True,
              help="Also total the auxiliary classifier heads (training time); their rows are "
                   "always shown, but the inference total leaves them out.")
@click.option("--layout", type=click.Choice(["layers", "paper"]), default="layers",
              show_default=True,
              help="layers: one row per layer. paper: the paper's own table (e.g. GoogLeNet's "
                   "Table 1), every cell computed, beside the values the paper printed.")
def table_cmd(network: str, input_: str | None, no_bias: bool, fmt: str, strict: bool,
              aux: bool, layout: str) -> None:
    """Print one row per layer of NETWORK: output H, W, C, parameters and MACs, with totals.

    NETWORK is a name from `archcalc list`, or the path of a spec file (PATH.toml, or
    PATH.toml:NAME for one network of a file with variants).
    """
    from . import engine, report, spec

    try:
        net = spec.load(network)
        x = parse_input(input_, net.input.c) if input_ else None
        a = engine.analyse(net, x)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    if strict and a.fractions:
        texts = [f"{r.name}: {n.text}" for r in a.fractions for n in r.notes
                 if n.kind == "fraction"]
        raise UserError("--strict: output sizes that are not whole numbers:\n  "
                        + "\n  ".join(texts))
    if layout == "paper":
        from . import paper

        try:
            click.echo(paper.render(a, fmt), nl=False)
        except ArchcalcError as e:
            raise UserError(str(e)) from None
        return
    click.echo(report.render(a, fmt, report.Options(bias=not no_bias, aux=aux)), nl=False)


@main.command("verify")
@click.argument("networks", nargs=-1, metavar="[NETWORK]...")
@click.option("--all", "all_", is_flag=True, help="Verify every network in `archcalc list`.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the real forward pass runs.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="N", help="Samples in the input tensor (FLOPs scale with it).")
@click.option("--rows", type=click.Choice(["all", "failures", "none"]), default=None,
              help="Which layer rows to print (default: all for named networks, failures "
                   "with --all).")
def verify_cmd(networks: tuple[str, ...], all_: bool, device: str, batch: int,
               rows: str | None) -> None:
    """Check archcalc's numbers against torch: build each NETWORK as real torch modules.

    One torch module per layer, run on a real input: each layer's output shape (forward
    hooks), parameters (counted from the module) and FLOPs (torch's FlopCounterMode, on the
    meta device) are compared with archcalc's rows, ✓ or ✗ per row, then a one-line verdict.
    Networks with a reference implementation (torchvision, timm) are also compared with it:
    total parameters, MACs and the shape at every stage boundary.

    Exit status: 0 when everything agrees, 1 on any disagreement, 2 on bad input. Needs torch:
    pip install 'archcalc[verify]' ('archcalc[xcheck]' adds torchvision and timm).
    """
    if all_ == bool(networks):
        raise UserError("verify: give network names or --all (not both)" if all_ else
                        "verify: give one or more network names, or --all for every network")
    from .verify import run

    try:
        targets = run.zoo() if all_ else list(networks)
        code = run.run(targets, device, batch, rows or ("failures" if all_ else "all"))
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
