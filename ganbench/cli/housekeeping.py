"""`ganbench stats` and `ganbench cache`: precomputed real statistics, and the cache of features and weights."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganbench.cli.options import BackendOpt, DeviceOpt, JsonOpt, ModeOpt, SeedOpt, WeightsOpt
from ganbench.cli.render import print_cache, print_json, stdout

stats_app = typer.Typer(help="Precomputed real statistics (mu, sigma) for --real-stats or other FID tools.",
                        no_args_is_help=True)
cache_app = typer.Typer(help="The cache of real features and converted Inception weights.", no_args_is_help=True)


@stats_app.command("export")
def stats_export(
    real: str = typer.Option(..., "--real", help="Real images: a folder or a suite name."),
    out: Path = typer.Option(..., "--out", help="The .npz file to write (mu, sigma, n, protocol)."),
    device: str = DeviceOpt,
    seed: int = SeedOpt,
    inception_weights: Optional[Path] = WeightsOpt,
    backend: str = BackendOpt,
    mode: Optional[str] = ModeOpt,
    as_json: bool = JsonOpt,
):
    """Write mu and sigma of real images' Inception features, in the format pytorch-fid and clean-fid use."""
    from ganbench.core.provenance import resolve_device
    from ganbench.pipeline.evaluate import ScoreOptions, export_stats

    opts = ScoreOptions(device=resolve_device(device), seed=seed,
                        weights=str(inception_weights) if inception_weights else None,
                        backend=backend, mode=mode)
    result = export_stats(real, out, opts)
    if as_json:
        return print_json(result)
    stdout.print(f"wrote {out}: mu and sigma of {result['n_real']} images ({result['real_data']})", highlight=False)


@cache_app.command("list")
def cache_list(as_json: bool = JsonOpt):
    """List cached real features and converted weights."""
    from ganbench.core.config import cache_dir
    from ganbench.metrics.cache import entries

    items = entries()
    if as_json:
        return print_json({"cache_dir": str(cache_dir()), "entries": items})
    print_cache(items, cache_dir())


@cache_app.command("clear")
def cache_clear(weights: bool = typer.Option(False, "--weights", help="Also delete the converted Inception weights.")):
    """Delete cached real features (they are recomputed when next needed)."""
    from ganbench.metrics.cache import clear

    removed = clear(include_weights=weights)
    stdout.print(f"removed {len(removed)} cached file(s)", highlight=False)
