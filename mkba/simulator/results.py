"""Run a study and assemble the result Dataset of design.md (with provenance), write it atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .. import __version__
from ..distributions import to_spec
from .domain import ACTORS, YEARS
from .engine import BLOCK, RunResult, Sampler, run
from .model import MkbaModel
from .study import Study

__all__ = ["simulate", "simulate_to_netcdf", "base_case", "net", "stored_model", "reducer", "write_netcdf", "data_checksum", "atomic_write", "TOTALS", "EXTRA_TOTALS",
           "FULL_LIMIT", "Store", "ACTOR_TOTALS", "BANDS", "BAND_SOURCES", "Bands", "bands_of", "FLOAT32",
           "store_mode", "sampled_inputs", "with_inputs"]

TOTALS = ("costs", "benefits", "saldo", "bc_social", "bc_financial", "bc_municipal")
EXTRA_TOTALS = ("immaterial", "municipal_costs", "municipal_benefits")
# Per-actor costs and benefits per draw (draw, actor): the budget view; kept in every store.
ACTOR_TOTALS = ("actor_costs", "actor_benefits")
Store = Literal["auto", "full", "lean"]
# The most draws whose sampled inputs a report recomputes from a lean store (inputs(draw, input): 8 bytes
# per input and draw in memory), and the most `mkba decide` keeps in its full store.
FULL_LIMIT = 200_000
# Per-draw variables the lean store keeps as float32 (±0.06 € at € 1 million; float64 in the full store).
FLOAT32 = ("line", *ACTOR_TOTALS, "plan_municipal")
# Quantile levels of the bands: the cash-flow chart's 90 % and 50 % bands and median.
BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)
# Band variable → (the model's per-draw output it summarises, its dimension). Computed while the draws
# stream (exact quantiles, block by block); the net cash flow and the plan's municipal costs and benefits
# per draw are never stored, only their bands (the full store keeps the cash flows per line and year).
BAND_SOURCES = {
    "cashflow_band": ("net_cashflow", "year"),
    "plan_municipal_band": ("plan_municipal", "plan_year"),
    "plan_investment_band": ("plan_investment", "plan_year"),
    "plan_savings_band": ("plan_savings", "plan_year"),
}
_BAND_TEXT = {
    "cashflow_band": "net cash flow per year (benefits − costs, undiscounted, all actors)",
    "plan_municipal_band": "municipal budget per plan year (benefits − costs of the municipal domains, undiscounted)",
    "plan_investment_band": "municipal investments per plan year (net extra spending of the domains that "
                            "spend more than they save that year, undiscounted)",
    "plan_savings_band": "municipal savings per plan year (net lower spending of the other domains, undiscounted)",
}
STREAMED = tuple(src for src, _ in BAND_SOURCES.values() if src != "plan_municipal")
PLAN_FLOWS = ("plan_costs", "plan_benefits", "plan_costs_discounted", "plan_benefits_discounted")
# The model outputs a Dataset keeps per draw when the store's reducer passes them (see _dataset).
PER_DRAW_VARS = (*TOTALS, *EXTRA_TOTALS, "line", *ACTOR_TOTALS, "npv", "cashflow", *PLAN_FLOWS, "plan_municipal")


def store_mode(store: str) -> Literal["full", "lean"]:
    """The store a run keeps: "auto" is lean at any number of draws (everything summaries and reports
    read, see README "What a run keeps"); "full" adds the npv cube, cash flows and inputs per draw."""
    return "full" if store == "full" else "lean"


def base_case(study: Study) -> dict[str, NDArray]:
    """The model at every input's base value (the published case), not a draw."""
    return study.model(study.parameters.base_inputs())


def stored_model(study: Study, mode: str) -> tuple[MkbaModel, Callable[[Mapping[str, NDArray]], dict[str, NDArray]]]:
    """The model and per-chunk reducer with which :func:`simulate` stores draws in ``mode`` ("full" or
    "lean"); batch and convergence runs use the same pair, so their numbers match ``simulate`` exactly."""
    return MkbaModel(study.options, detail=(mode == "full")), reducer(mode)


def reducer(store: str) -> Callable[[Mapping[str, NDArray]], dict[str, NDArray]]:
    def lean(out: Mapping[str, NDArray]) -> dict[str, NDArray]:
        # Per draw: totals and ratios float64; lines, per-actor costs and benefits and the plan's municipal
        # budget float32 (C order, as the file stores them), so that 10 million draws fit in memory. The
        # streamed outputs pass on to the bands (the extra totals follow from the lines).
        kept = {k: out[k] for k in TOTALS}
        for k in FLOAT32:
            if k in out:
                kept[k] = np.ascontiguousarray(out[k], dtype=np.float32)
        for k in STREAMED:
            if k in out:
                kept[k] = out[k]
        return kept

    def full(out: Mapping[str, NDArray]) -> dict[str, NDArray]:
        return dict(out)

    return full if store == "full" else lean


class Bands:
    """The band variables (:data:`BAND_SOURCES`) of a run, accumulated block by block from the reduced
    model outputs: exact quantiles at :data:`BANDS`, whatever the chunking."""

    def __init__(self) -> None:
        from ..outputs.stats import ColumnStats

        self._new = lambda k: ColumnStats(k, BANDS)  # noqa: E731
        self.stats: dict[str, object] = {}

    def add(self, out: Mapping[str, NDArray]) -> None:
        for var, (src, _dim) in BAND_SOURCES.items():
            if src in out:
                v = np.asarray(out[src])
                if var not in self.stats:
                    self.stats[var] = self._new(v.shape[1])
                self.stats[var].add(v)  # type: ignore[attr-defined]

    def result(self) -> dict[str, NDArray]:
        return {var: st.quantiles() for var, st in self.stats.items()}  # type: ignore[attr-defined]


def bands_of(out: Mapping[str, NDArray], block: int = BLOCK) -> dict[str, NDArray]:
    """The bands of per-draw outputs held in memory (block by block, as a streamed run computes them)."""
    b = Bands()
    n = len(out["saldo"]) if "saldo" in out else 0
    for lo in range(0, n, block):
        b.add({k: out[k][lo:lo + block] for k, _ in BAND_SOURCES.values() if k in out})
    return b.result()


def simulate(
    study: Study,
    *,
    draws: int | None = None,
    seed: int | None = None,
    sampler: Sampler | None = None,
    chunk_size: int | None = None,
    store: Store = "auto",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    result: RunResult | None = None,
    stream: str = "",
) -> xr.Dataset:
    """Monte Carlo run of a study → xarray Dataset (dims draw, item, actor, year).

    ``result``: per-draw outputs already computed for exactly these arguments (as ``run`` returns them
    with this store mode's model, reducer and inputs); the Dataset is then assembled without running
    the engine again (used by ``convergence.converge``). ``stream``: an independent random stream (a
    batch's study label, see :mod:`mkba.simulator.engine`); "" = the study's own draws."""
    sim = study.spec.simulation
    draws = sim.draws if draws is None else draws
    seed = sim.seed if seed is None else seed
    sampler = sim.sampler if sampler is None else sampler
    chunk_size = sim.chunk_size if chunk_size is None else chunk_size
    mode = store_mode(store)
    params = study.parameters
    if result is not None and (result.draws != draws or result.seed != seed or result.sampler != sampler):
        raise ValueError(f"result has draws={result.draws}, seed={result.seed}, sampler={result.sampler!r}; "
                         f"expected {draws}, {seed}, {sampler!r}")
    model, reduce = stored_model(study, mode)
    res = result if result is not None else run(
        model,
        params,
        draws=draws,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size,
        reduce=reduce,
        keep_inputs=(mode == "full"),
        workers=workers,
        progress=progress,
        stream=stream,
    )
    inputs = np.column_stack([res.inputs[n] for n in res.inputs]) if res.inputs else None
    return _dataset(study, model, res.outputs, list(res.inputs), inputs, draws=draws, seed=seed, sampler=sampler,
                    mode=mode, stream=stream, bands=bands_of(res.outputs))


def _dataset(study: Study, model: MkbaModel, out: Mapping[str, NDArray], input_names: list[str],
             inputs: NDArray | None, *, draws: int, seed: int, sampler: str, mode: str, stream: str = "",
             bands: Mapping[str, NDArray] | None = None) -> xr.Dataset:
    """The result Dataset from per-draw outputs (any number of draws, also none: a file's skeleton, whose
    bands are NaN until the draws are in)."""
    params = study.parameters
    base = base_case(study)
    # No coordinate on `draw`: positions are the draw numbers, and an arange plus its pandas index
    # would cost 16 bytes per draw (160 MB at 10 million draws).
    items = list(model.items)
    coords = {
        "item": items,
        "kind": ("item", [model.item_kind[i] for i in items]),
        "actor": list(ACTORS),
        "year": list(YEARS),
    }
    data: dict[str, tuple] = {}
    for k in (*TOTALS, *EXTRA_TOTALS):
        if k in out:
            data[k] = (("draw",), out[k])
        data[f"base_{k}"] = ((), float(base[k][0]))
    if mode == "full":
        data["npv"] = (("draw", "item", "actor"), out["npv"])
        data["cashflow"] = (("draw", "item", "year"), out["cashflow"])
        data["line"] = (("draw", "item"), out["line"])
        if inputs is not None:
            data["inputs"] = (("draw", "input"), inputs)
    else:
        data["line"] = (("draw", "item"), out["line"])
    for k in ACTOR_TOTALS:
        data[k] = (("draw", "actor"), out[k])
        data[f"base_{k}"] = (("actor",), base[k][0])
    data["base_npv"] = (("item", "actor"), base["npv"][0])
    data["base_cashflow"] = (("item", "year"), base["cashflow"][0])
    coords["band"] = list(BANDS)
    bands = bands or {}
    plan = study.options.plan
    if plan is not None:  # per calendar year of the plan: who pays and who gains (model.PlanSpec)
        coords["plan_year"] = list(range(plan.years[0], plan.years[0] + plan.horizon))
        for k in PLAN_FLOWS:
            if k in out:
                data[k] = (("draw", "plan_year", "actor"), out[k])
            data[f"base_{k}"] = (("plan_year", "actor"), base[k][0])
        data["plan_municipal"] = (("draw", "plan_year"), out["plan_municipal"])
        data["base_plan_municipal"] = (("plan_year",), base["plan_municipal"][0])
    for var, (_src, dim) in BAND_SOURCES.items():
        if dim == "plan_year" and plan is None:
            continue
        size = len(coords[dim])
        q = bands.get(var)
        data[var] = (("band", dim), np.full((len(BANDS), size), np.nan) if q is None else np.asarray(q, np.float64),
                     {"long_name": f"quantiles over the draws of the {_BAND_TEXT[var]}", "units": "EUR"})
    if input_names:
        coords["input"] = input_names
        coords["input_group"] = ("input", [params[n].group for n in input_names])
        coords["input_unit"] = ("input", [params[n].unit for n in input_names])
        coords["input_base"] = ("input", [params[n].base for n in input_names])
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(
        study=study.name,
        scenario=study.scenario_name,
        title=study.spec.study.title,
        municipality=study.spec.study.municipality,
        language=study.spec.study.language,
        published=int(study.spec.study.published),  # NetCDF attributes have no booleans
        reference=study.spec.study.reference,
        study_file=study.file,  # absolute: `mkba report` works from any folder
        study_hash=study.content_hash,
        seed=int(seed),
        draws=int(draws),
        sampler=sampler,
        block_size=BLOCK,
        store=mode,
        design=json.dumps({"kind": sampler, "draws": int(draws), "seed": int(seed), "block": BLOCK,
                           "inputs": params.uncertain, **({"stream": stream} if stream else {})}),
        discount_rate=float(base_discount_rate(study)),
        mkba_version=__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        line_titles=json.dumps({k: list(v) for k, v in study.options.item_labels.items() if k in model.items}),
        parameters=json.dumps(
            {n: {"dist": to_spec(p.dist), "base": p.base, "unit": p.unit, "source": p.source, "note": p.note,
                 "origin": p.origin, "group": p.group}
             for n, p in params.items()}
        ),
    )
    return ds


def sampled_inputs(ds: xr.Dataset, study: Study, *, chunk: int = BLOCK) -> xr.DataArray | None:
    """The sampled inputs ``(draw, input)`` of a run, recomputed bit for bit from its study and design
    (seed, sampler, draws, stream; every draw is random-access, see :mod:`mkba.simulator.engine`): the
    ``inputs`` the full store keeps, for a lean store. None if the study's uncertain inputs are not the
    ones the run recorded (another study, or an edited one)."""
    from .engine import uniforms

    design = json.loads(str(ds.attrs.get("design", "{}")) or "{}")
    scen = str(ds.attrs.get("scenario", "base"))
    params = (study if study.scenario_name == scen else study.scenario(scen)).parameters
    names = list(params.uncertain)
    if design.get("inputs") != names or "draws" not in design:
        return None
    n, seed, sampler = int(design["draws"]), int(design["seed"]), str(design["kind"])
    stream, dims = str(design.get("stream", "")), list(params)
    out = np.empty((n, len(names)))
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        u = uniforms(names, lo, hi, seed=seed, sampler=sampler, n=n, stream=stream, dims=dims)  # type: ignore[arg-type]
        x = params.inputs_from_uniforms(u, hi - lo)
        for j, name in enumerate(names):
            out[lo:hi, j] = x[name]
    coords = {"input": names, "input_group": ("input", [params[m].group for m in names]),
              "input_unit": ("input", [params[m].unit for m in names]),
              "input_base": ("input", [params[m].base for m in names])}
    return xr.DataArray(out, dims=("draw", "input"), coords=coords, name="inputs")


def with_inputs(ds: xr.Dataset, study: Study | None, *, limit: int = FULL_LIMIT) -> xr.Dataset:
    """``ds`` with its sampled inputs (recomputed by :func:`sampled_inputs`) when it keeps none, the
    study is known and the run has at most ``limit`` draws; else ``ds`` as it is. What the report's
    drivers, decision section and workbook read, so a lean store's report equals a full store's."""
    if "inputs" in ds or study is None or ds.sizes.get("draw", 0) > limit:
        return ds
    if ds.attrs.get("study_hash") and ds.attrs.get("study_hash") != study.content_hash:
        return ds
    x = sampled_inputs(ds, study)
    if x is None or x.sizes["draw"] != ds.sizes.get("draw"):
        return ds
    return ds.assign(inputs=x)


def net(ds: xr.Dataset, actor: str | None = None, *, base: bool = False) -> xr.DataArray:
    """Each actor's net result, signed: its benefits minus its costs (> 0: the actor gains), per draw.

    ``actor`` selects one (e.g. ``"jeugd"``); ``base=True`` gives the base case instead of the draws.
    Works on every store (full, lean) and on batch results (extra dims ``study``, ``scenario``), from
    ``actor_benefits − actor_costs``; results without those (older files) are computed from ``npv``,
    whose cost lines are positive amounts. Summed over actors it is ``saldo``.
    """
    pre = "base_" if base else ""
    if f"{pre}actor_costs" in ds:
        out = ds[f"{pre}actor_benefits"].astype(np.float64) - ds[f"{pre}actor_costs"].astype(np.float64)
    elif f"{pre}npv" in ds:
        npv = ds[f"{pre}npv"].astype(np.float64)
        out = xr.where(ds["kind"] == "cost", -npv, npv).sum("item")
    else:
        raise ValueError("these results keep no per-actor amounts (no actor_costs/actor_benefits or npv)")
    if actor is not None:
        if actor not in ds["actor"].values:
            raise ValueError(f"unknown actor {actor!r}; choose one of: {', '.join(map(str, ds['actor'].values))}")
        out = out.sel(actor=actor)
    return out.rename("net").assign_attrs(long_name="net result (benefits − costs)", units="EUR")


def base_discount_rate(study: Study) -> float:
    f = study.spec.finance
    real, prem = f.discount_rate_real.base, f.risk_premium.base
    return real + prem if f.combination == "additive" else (1 + real) * (1 + prem) - 1


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder and rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; finished files get the usual permissions
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


IN_MEMORY_LIMIT = 1 << 30  # NetCDF files up to 1 GiB are built in memory, then written by plain file I/O


def data_checksum(ds: xr.Dataset) -> str:
    """SHA-256 over every variable and coordinate (name, dtype, shape, bytes; not the attrs); stored
    as ``attrs["data_sha256"]`` by :func:`write_netcdf` and verified by ``mkba report``. Per-variable
    digests, so a writer that streams blocks can compute it incrementally."""
    return _combine({name: _digest(ds.variables[name].values) for name in map(str, ds.variables)})


def _digest(values: NDArray) -> tuple[str, tuple[int, ...], bytes]:
    a = np.ascontiguousarray(values)
    if a.dtype.kind in "OUS":  # strings (coordinates): their text
        return "str", a.shape, hashlib.sha256("\x1f".join(map(str, a.ravel())).encode("utf-8")).digest()
    return a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).digest()


def _combine(digests: Mapping[str, tuple[str, tuple[int, ...], bytes]]) -> str:
    """The checksum from per-variable (dtype, shape, sha256 of the bytes), in name order."""
    h = hashlib.sha256()
    for name in sorted(digests):
        dtype, shape, digest = digests[name]
        h.update(f"{name}|{dtype}|{shape}|".encode())
        h.update(digest)
    return h.hexdigest()


def simulate_to_netcdf(
    study: Study,
    path: Path,
    *,
    draws: int | None = None,
    seed: int | None = None,
    sampler: Sampler | None = None,
    chunk_size: int | None = None,
    store: Store = "auto",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    observe: Callable[[xr.Dataset], Callable[[Mapping[str, NDArray]], None]] | None = None,
    attrs: Mapping[str, str] | None = None,
) -> xr.Dataset:
    """:func:`simulate` straight into a NetCDF file, block by block: memory stays flat at any number
    of draws (the per-draw arrays are never all in memory). The file holds exactly the Dataset
    ``simulate`` returns for the same arguments (bit for bit; the draw axis is HDF5-unlimited and
    chunked; with ``attrs["data_sha256"]`` computed block by block, as :func:`write_netcdf` does).
    ``observe(skeleton)`` returns a callback that sees each block of per-draw variables (by Dataset
    name) in draw order, e.g. to summarise while the run goes; the skeleton is the Dataset without
    per-draw values (base case, coordinates, attributes), also returned. ``attrs`` are added to the
    file's. Written atomically after a free-space check."""
    import h5netcdf

    from ..outputs.folder import free_space_check

    sim = study.spec.simulation
    draws = sim.draws if draws is None else draws
    seed = sim.seed if seed is None else seed
    sampler = sim.sampler if sampler is None else sampler
    chunk_size = sim.chunk_size if chunk_size is None else chunk_size
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    mode = store_mode(store)
    params = study.parameters
    model, reduce = stored_model(study, mode)
    names = params.uncertain if mode == "full" else []
    # Shapes and dtypes of the stored outputs, from one evaluation at the base case.
    probe = {k: np.asarray(v) for k, v in reduce(model(params.base_inputs())).items()}
    empty = {k: np.empty((0, *v.shape[1:]), v.dtype) for k, v in probe.items()}
    skeleton = _dataset(study, model, empty, names, np.empty((0, len(names))) if names else None, draws=draws,
                        seed=seed, sampler=sampler, mode=mode)
    skeleton.attrs.update(attrs or {})
    per_draw = [v for v in skeleton.data_vars if skeleton[v].dims[:1] == ("draw",)]
    # HDF5 chunks of whole draws, at most ~4 MB each (the npv cube of the full store is 864 bytes a draw).
    rows = {v: skeleton[v].dtype.itemsize * int(np.prod(skeleton[v].shape[1:], dtype=np.int64)) for v in per_draw}
    enc = {v: {"chunksizes": (max(1, min(BLOCK, draws, (4 << 20) // rows[v])), *skeleton[v].shape[1:])}
           for v in per_draw}

    on_block = observe(skeleton) if observe is not None else None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    free_space_check(path.parent, int(sum(r * draws for r in rows.values()) * 1.02) + (1 << 20), str(path))
    # The checksum over every variable; the per-draw ones hashed block by block in draw order (their
    # C-order bytes are the blocks' bytes one after another).
    digests = {name: _digest(skeleton.variables[name].values) for name in map(str, skeleton.variables)
               if name not in per_draw}
    hashers = {v: hashlib.sha256() for v in per_draw}
    bands = Bands()

    def write(tmp: Path) -> None:
        import h5py

        skeleton.to_netcdf(tmp, engine="h5netcdf", unlimited_dims=["draw"], encoding=enc)
        with h5netcdf.File(tmp, "a") as f:
            f.resize_dimension("draw", draws)
        # The blocks go straight into the HDF5 datasets of the netCDF variables (h5py: no per-write
        # netCDF bookkeeping; the file's netCDF structure is complete already).
        with h5py.File(tmp, "r+") as f:
            target = {v: f[v] for v in per_draw}

            def sink(lo: int, hi: int, out: Mapping[str, NDArray], inp: Mapping[str, NDArray]) -> None:
                block = {k: np.ascontiguousarray(out[k], dtype=skeleton[k].dtype) for k in per_draw if k in out}
                if names:
                    block["inputs"] = np.column_stack([inp[n] for n in names])
                for k, v in block.items():
                    target[k].write_direct(v, dest_sel=np.s_[lo:hi])
                    hashers[k].update(v)  # C-order bytes, no copy
                bands.add(out)
                if on_block is not None:
                    on_block(block)

            run(model, params, draws=draws, seed=seed, sampler=sampler, chunk_size=chunk_size, reduce=reduce,
                keep_inputs=bool(names), workers=workers, progress=progress, sink=sink)
            for v in per_draw:
                digests[v] = (skeleton[v].dtype.str, (draws, *skeleton[v].shape[1:]), hashers[v].digest())
            for var, q in bands.result().items():  # the bands, now that every draw is in
                f[var][...] = q
                skeleton[var].values[...] = q
                digests[var] = _digest(skeleton.variables[var].values)
        with h5netcdf.File(tmp, "a") as f:  # as write_netcdf stores it
            f.attrs["data_sha256"] = _combine(digests)

    atomic_write(path, write)
    skeleton.attrs["data_sha256"] = _combine(digests)
    return skeleton


def write_netcdf(ds: xr.Dataset, path: Path, *, compress: bool = False, checksum: bool = True) -> None:
    """NetCDF4 (h5netcdf), with ``attrs["data_sha256"]`` (see :func:`data_checksum`). Uncompressed by
    default: gzip costs ~5 s per million draws, several times the simulation itself; ``compress=True``
    trades that time for a ~3× smaller file.

    The file is built in memory (up to 1 GiB) and written with plain file I/O, so a full disk or a
    read-only folder is an ordinary OSError naming the file (libhdf5 can crash on a failed write);
    larger files are written directly after a free-space check."""
    from ..outputs.folder import free_space_check

    enc = {}
    if compress:
        enc = {v: {"compression": "gzip", "compression_opts": 1} for v in ds.data_vars if "draw" in ds[v].dims}
    if checksum:
        ds = ds.copy(deep=False)
        ds.attrs["data_sha256"] = data_checksum(ds)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if ds.nbytes <= IN_MEMORY_LIMIT:
        data = ds.to_netcdf(engine="h5netcdf", encoding=enc)
        free_space_check(path.parent, len(data), str(path))

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                f.write(data)

        atomic_write(path, write)
        return
    free_space_check(path.parent, int(ds.nbytes * 1.02), str(path))
    atomic_write(path, lambda p: ds.to_netcdf(p, engine="h5netcdf", encoding=enc))
