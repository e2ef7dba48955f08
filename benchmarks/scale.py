"""Scale benchmark: import, competency queries, full and incremental SHACL validation at 10k, 100k
and 1M triples, against raw pyoxigraph and rdflib measured in the same run.

    .venv/bin/python benchmarks/scale.py --quick                 # 10k and 100k
    .venv/bin/python benchmarks/scale.py                         # 10k, 100k and 1M (long)
    .venv/bin/python benchmarks/scale.py --sizes 1000000 --json scale.json

The data at each size is the shipped project, real SIPRI trade-register rows turned into
N-Triples by the project's own importer (``caucasus_kg.sources.importers.sipri``), and a seeded synthetic
scale-up (``add_incremental.synthetic_graph``): of the triples the shipped project does not
already hold, SIPRI deals fill half and synthetic arms transfers the rest (docs/benchmarks.md).

Every measurement runs in its own process (this script re-invoked with ``--step``, or the
``caucasus-kg`` command itself), so its wall time and peak RSS (``wait4`` rusage) are its own.
Slow steps are time-boxed (``--timeout``); a step that runs out is reported as "> N s".
Prints one Markdown table per kind of measurement with ratios and PASS/MISS against the
targets; ``--json FILE`` also writes the raw numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
SIPRI_CSV = Path("/work/shared/realdata/sipri_trade_register_1950_2024_colasdroin.csv")
"""The SIPRI trade register (classic export, 1950-2024), read in place; ``--sipri`` overrides."""

EXAMPLES = {"provenance": {"fact": "russia-withdraws-from-cfe-2023"}}
"""Values for canned parameters without a default; the others use their defaults."""

SIZES = (10_000, 100_000, 1_000_000)
QUICK = (10_000, 100_000)
TARGET_SIZE_RDFLIB = 100_000  # the size at which "100x faster than rdflib" is judged
TARGET_SIZE_LARGE = 1_000_000  # the size at which memory and full-validation targets are judged
ONTOLOGY_GRAPHS = ("https://w3id.org/caucasus-kg/graph/ontology",
                   "https://w3id.org/caucasus-kg/graph/vocabularies")


# ------------------------------------------------------------------------------------------
# Running one measured process
# ------------------------------------------------------------------------------------------

@dataclass
class Measured:
    """One process: wall seconds, peak RSS in MB, exit code (None: killed at the timeout)."""

    seconds: float
    rss_mb: float
    code: int | None
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    crashed: bool = False  # an uncaught exception (exit code 1 then does not mean "invalid")

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.crashed

    def as_json(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 4), "peak_rss_mb": round(self.rss_mb, 1),
                "exit_code": self.code, "timed_out": self.code is None, "error": self.error,
                "crashed": self.crashed,
                **self.result}


def run_process(command: list[str], timeout: float, out_file: Path | None = None) -> Measured:
    """Run ``command``; the parent holds no data, so the child's peak RSS is its own."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL)
        deadline = start + timeout
        code: int | None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                code = None
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    measured = Measured(seconds, usage.ru_maxrss / 1024, code)
    if "Traceback (most recent call last)" in text:
        measured.crashed = True
    if code not in (0, None):
        measured.error = " | ".join(text.strip().splitlines()[-6:])
    if out_file is not None and out_file.exists():
        measured.result = json.loads(out_file.read_text("utf-8"))
        # A step reports its own timing of the work, without interpreter start-up.
        measured.seconds = measured.result.pop("seconds", seconds)
        out_file.unlink()
    return measured


def step(name: str, args: dict[str, Any], timeout: float, work: Path) -> Measured:
    out = work / f"step-{name}.json"
    command = [sys.executable, __file__, "--step", name, "--step-args", json.dumps(args),
               "--step-out", str(out)]
    return run_process(command, timeout, out)


def cli(project: Path, args: list[str], timeout: float, store: Path | None = None) -> Measured:
    base = [sys.executable, "-m", "caucasus_kg.cli", "--project", str(project)]
    if store is not None:
        base += ["--store", str(store)]
    return run_process([*base, *args], timeout)


def _store_triples(store: Path) -> int:
    info = store.with_name(store.name + ".json")
    return int(json.loads(info.read_text("utf-8"))["triples"])


def disk_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# ------------------------------------------------------------------------------------------
# Steps (each in its own process)
# ------------------------------------------------------------------------------------------

def _src_on_path() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(BENCH))


def step_setup(a: dict[str, Any]) -> dict[str, Any]:
    """Copy the project, add SIPRI rows through the importer and the synthetic scale-up."""
    _src_on_path()
    from add_incremental import addition, synthetic_graph

    from caucasus_kg.core.project import find_project
    from caucasus_kg.ops.build import build
    from caucasus_kg.ops.imports import nt_name, store_names
    from caucasus_kg.sources.importers import sipri as sipri_importer

    root, size, csv = Path(a["project"]), int(a["size"]), Path(a["sipri"])
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    project = find_project(root, root / ".caucasus-kg" / "store")
    info, _ = build(project)
    base = info.triples
    parsed = sipri_importer.parse(csv)
    name = nt_name("sipri", csv)
    resolver, treaties, ids = store_names(project, name[:-3])
    every = sipri_importer.build(parsed, resolver, treaties, ids, csv.name, name[:-3])
    per_record = len(every.lines) / max(1, len(parsed.records))
    wanted = max(0, size - base)
    records = min(len(parsed.records), max(20, round(wanted / 2 / per_record)))
    chosen = _with_records(parsed, parsed.records[:records])
    resolver, treaties, ids = store_names(project, name[:-3])
    triples = sipri_importer.build(chosen, resolver, treaties, ids, csv.name, name[:-3])
    project.imports_dir.mkdir(parents=True, exist_ok=True)  # where `caucasus-kg import` writes
    (project.imports_dir / name).write_text(triples.text(), "utf-8")
    synthetic = max(0, wanted - len(triples.lines))
    facts = synthetic_graph(root / "graphs" / "synthetic.nt", synthetic) if synthetic else 0
    addition(Path(a["incoming"]))
    return {"base_triples": base, "sipri_records": records, "sipri_triples": len(triples.lines),
            "sipri_records_in_file": len(parsed.records), "synthetic_facts": facts,
            "synthetic_triples_target": synthetic}


def _with_records(parsed: Any, records: list[Any]) -> Any:
    import dataclasses

    return dataclasses.replace(parsed, records=list(records))


def step_ckg_load(a: dict[str, Any]) -> dict[str, Any]:
    """Load every input file and write the store, without validation (library API)."""
    _src_on_path()
    from caucasus_kg.core.project import find_project
    from caucasus_kg.sources.dataset import load_dataset
    from caucasus_kg.sources.fingerprint import input_fingerprint
    from caucasus_kg.store.embedded import write_store

    root = Path(a["project"])
    start = time.perf_counter()
    project = find_project(root, Path(a["store"]))
    dataset = load_dataset(project)
    errors = dataset.diagnostics.errors
    if errors:
        raise SystemExit("\n".join(d.render() for d in errors[:5]))
    info = write_store(project.store_path, dataset.all_graphs(), input_fingerprint(project))
    return {"seconds": time.perf_counter() - start, "triples": info.triples,
            "disk_mb": disk_mb(project.store_path)}


def step_dump(a: dict[str, Any]) -> dict[str, Any]:
    """The store's quads as N-Quads (for the raw loaders) and its data graphs as N-Triples
    (for the SHACL engines, with the ontology and vocabularies as separate files)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(a["store"])
    store.dump(a["nquads"], ox.RdfFormat.N_QUADS)
    data_graphs = [g for g in store.named_graphs() if g.value not in ONTOLOGY_GRAPHS]
    with open(a["data"], "wb") as out:
        for graph in sorted(data_graphs, key=lambda g: g.value):
            store.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=graph)
    return {"quads": len(store)}


def step_raw_load(a: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    shutil.rmtree(a["store"], ignore_errors=True)
    start = time.perf_counter()
    store = ox.Store(a["store"])
    store.bulk_load(path=a["nquads"], format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - start
    quads = len(store)
    del store
    return {"seconds": seconds, "triples": quads, "disk_mb": disk_mb(Path(a["store"]))}


def step_raw_named_load(a: dict[str, Any]) -> dict[str, Any]:
    """The comparator of an import: the same N-Triples bulk-loaded into one named graph of a new
    store on disk, then flushed. Timed as a whole process, as the import is (the load alone is
    ``load_seconds``)."""
    import pyoxigraph as ox

    shutil.rmtree(a["store"], ignore_errors=True)
    start = time.perf_counter()
    store = ox.Store(a["store"])
    store.bulk_load(path=a["ntriples"], format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(a["graph"]))
    store.flush()
    seconds = time.perf_counter() - start
    quads = len(store)
    del store
    shutil.rmtree(a["store"], ignore_errors=True)
    return {"load_seconds": seconds, "triples": quads}


def _rdflib_dataset(path: str) -> Any:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    return dataset


def step_rdflib_load(a: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    dataset = _rdflib_dataset(a["nquads"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": len(dataset)}


def step_ckg_queries(a: dict[str, Any]) -> dict[str, Any]:
    """Every competency query through ``run_query`` on the built store; writes the bound texts."""
    _src_on_path()
    from caucasus_kg.core.sparql_text import substitute
    from caucasus_kg.model.namespaces import PREFIXES
    from caucasus_kg.read.queries import bind_parameters, catalogue, run_query
    from caucasus_kg.store.embedded import open_store

    store = open_store(Path(a["store"]))
    out: dict[str, Any] = {}
    bound: dict[str, str] = {}
    for name, query in catalogue(Path(a["queries"])).items():
        params = EXAMPLES.get(name, {})
        values = bind_parameters(query, params, store)
        bound[name] = substitute(query.text, {v.value: str(t) for v, t in values.items()})
        times, rows = _repeat(lambda q=query, p=params: _rows(run_query(q, store, p)),
                              a["runs"], a["slow"])
        out[name] = {"ms": times, "rows": rows}
    Path(a["bound"]).write_text(json.dumps({"prefixes": PREFIXES, "queries": bound}), "utf-8")
    return {"queries": out}


def _rows(result: Any) -> int:
    if result.boolean is not None:
        return 1
    return len(result.rows) if result.triples is None else len(result.triples)


def _repeat(run: Callable[[], int], runs: int, slow: float) -> tuple[list[float], int]:
    """One warm-up, then ``runs`` timed runs (fewer when a run takes over ``slow`` seconds)."""
    start = time.perf_counter()
    rows = run()
    first = time.perf_counter() - start
    if first > slow:
        return [first * 1000], rows
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times, rows


def step_raw_queries(a: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    bound = json.loads(Path(a["bound"]).read_text("utf-8"))
    store = ox.Store.read_only(a["store"])
    out = {}
    for name, text in bound["queries"].items():
        def run(text: str = text) -> int:
            answer = store.query(text, prefixes=bound["prefixes"], use_default_graph_as_union=True)
            if isinstance(answer, ox.QueryBoolean):
                return 1
            if isinstance(answer, ox.QuerySolutions):
                # Read every value, as run_query and any client do: Oxigraph decodes terms lazily.
                columns = [v.value for v in answer.variables]
                return len([tuple(row[c] for c in columns) for row in answer])
            return len(list(answer))
        times, rows = _repeat(run, a["runs"], a["slow"])
        out[name] = {"ms": times, "rows": rows}
    return {"queries": out}


class _Timeout(Exception):
    pass


def step_rdflib_queries(a: dict[str, Any]) -> dict[str, Any]:
    """The same bound texts on rdflib in memory, each stopped after ``query_timeout`` s."""
    import signal

    bound = json.loads(Path(a["bound"]).read_text("utf-8"))
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in bound["prefixes"].items())
    start = time.perf_counter()
    dataset = _rdflib_dataset(a["nquads"])
    load = time.perf_counter() - start

    def alarm(_signum: int, _frame: object) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    out: dict[str, Any] = {}
    for name, text in bound["queries"].items():
        def run(text: str = header + text) -> int:
            return len(list(dataset.query(text)))
        signal.setitimer(signal.ITIMER_REAL, a["query_timeout"])
        try:
            times, rows = _repeat(run, a["runs"], a["slow"])
            out[name] = {"ms": times, "rows": rows}
        except _Timeout:
            out[name] = {"timeout_s": a["query_timeout"]}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return {"load_seconds": load, "queries": out}


def step_pyshacl(a: dict[str, Any]) -> dict[str, Any]:
    """pySHACL directly: the data graphs, the shapes, the ontology for the class hierarchy."""
    from pyshacl import validate
    from rdflib import Graph

    start = time.perf_counter()
    data = Graph()
    data.parse(a["data"], format="nt")
    shapes = Graph().parse(a["shapes"], format="turtle")
    ontology = Graph()
    for path in a["ontology"]:
        ontology.parse(path, format="turtle")
    loaded = time.perf_counter()
    conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                   abort_on_first=False, allow_warnings=True, inplace=True)
    from rdflib.namespace import SH

    results = len(set(report.subjects(predicate=SH.focusNode)))
    end = time.perf_counter()
    return {"seconds": end - start, "load_seconds": loaded - start,
            "conforms": bool(conforms), "results": results}


def step_pyrudof(a: dict[str, Any]) -> dict[str, Any]:
    """pyrudof's native SHACL engine on the same data, ontology and vocabularies as data."""
    import pyrudof

    start = time.perf_counter()
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(a["data"], format=pyrudof.RDFFormat.NTriples)
    for path in a["ontology"]:
        rudof.read_data(path, format=pyrudof.RDFFormat.Turtle, merge=True)
    rudof.read_shacl(a["shapes"])
    loaded = time.perf_counter()
    report = rudof.validate_shacl()
    end = time.perf_counter()
    return {"seconds": end - start, "load_seconds": loaded - start,
            "conforms": bool(report.conforms), "results": len(report)}


STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "setup": step_setup, "ckg-load": step_ckg_load, "dump": step_dump,
    "raw-load": step_raw_load, "rdflib-load": step_rdflib_load,
    "raw-named-load": step_raw_named_load,
    "ckg-queries": step_ckg_queries, "raw-queries": step_raw_queries,
    "rdflib-queries": step_rdflib_queries, "pyshacl": step_pyshacl, "pyrudof": step_pyrudof,
}


# ------------------------------------------------------------------------------------------
# One size
# ------------------------------------------------------------------------------------------

@dataclass
class Options:
    runs: int
    timeout: float
    query_timeout: float
    rdflib_budget: float
    skip_slow: bool
    pyrudof: bool
    sipri: Path
    slow: float = 2.0
    rounds: int = 2


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _merge_rounds(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Two rounds of a query step as one: every timing of both, the larger peak RSS."""
    merged = {**later, "peak_rss_mb": max(earlier["peak_rss_mb"], later["peak_rss_mb"]),
              "queries": {}}
    for name, entry in later.get("queries", {}).items():
        before = earlier.get("queries", {}).get(name, {})
        merged["queries"][name] = {**entry, "ms": before.get("ms", []) + entry["ms"]}
    return merged


def measure_size(size: int, opts: Options, work: Path) -> dict[str, Any]:
    """Every measurement at one size; returns the raw numbers."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    project, incoming = work / "project", work / "incoming"
    store = project / ".caucasus-kg" / "store"
    files = {"nquads": str(work / "dataset.nq"), "data": str(work / "data.nt")}
    res: dict[str, Any] = {"size": size}

    def record(key: str, measured: Measured) -> Measured:
        res[key] = measured.as_json()
        state = ("ok" if measured.ok else "timed out" if measured.code is None
                 else f"failed: {measured.error}")
        log(f"{size:,}: {key}: {measured.seconds:.2f} s, {measured.rss_mb:.0f} MB, {state}")
        return measured

    setup = record("setup", step("setup", {"project": str(project), "size": size,
                                           "sipri": str(opts.sipri), "incoming": str(incoming)},
                                 max(opts.timeout, 900), work))
    if not setup.ok:
        raise SystemExit(f"setup at {size:,} triples failed: {setup.error}")
    # Import / build: the command first, into the store the later steps use; then the loader
    # and store writer alone (library API), which also provides the store if the build failed.
    built = record("ckg_build", cli(project, ["build"], opts.timeout))
    res["ckg_build"]["disk_mb"] = disk_mb(store) if built.ok else None
    for leftover in store.parent.glob(store.name + ".new-*"):  # a build stopped at the timeout
        shutil.rmtree(leftover, ignore_errors=True)
    scratch = work / "load-store"
    loaded = record("ckg_load", step("ckg-load", {
        "project": str(project), "store": str(scratch if built.ok else store)},
        max(opts.timeout, 900), work))
    shutil.rmtree(scratch, ignore_errors=True)
    if not built.ok and not loaded.ok:
        raise SystemExit(f"no store at {size:,} triples: the build and the loader failed")
    res["triples"] = loaded.result.get("triples") or _store_triples(store)
    record("dump", step("dump", {"store": str(store), **files}, opts.timeout, work))
    raw_store = work / "raw-store"
    record("raw_load", step("raw-load", {"store": str(raw_store), **files}, opts.timeout, work))
    if not opts.skip_slow:
        record("rdflib_load", step("rdflib-load", files, opts.timeout, work))

    # Competency queries: caucasus-kg and raw pyoxigraph in alternating rounds, so that load on
    # the machine hits both (the first round runs caucasus-kg first: it writes the bound texts).
    common = {"runs": opts.runs, "slow": opts.slow, "bound": str(work / "bound.json")}
    sides = {"ckg_queries": ("ckg-queries", {**common, "store": str(store),
                                             "queries": str(project / "queries")}),
             "raw_queries": ("raw-queries", {**common, "store": str(raw_store)})}
    for round_ in range(opts.rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for key in order:
            name, step_args = sides[key]
            earlier = res.get(key)
            record(key, step(name, step_args, opts.timeout, work))
            if earlier is not None:
                res[key] = _merge_rounds(earlier, res[key])
    rdflib_load = res.get("rdflib_load", {})
    if opts.skip_slow:
        res["rdflib_queries_skipped"] = "not run (--skip-slow)"
    elif not rdflib_load or rdflib_load.get("exit_code") != 0 or \
            rdflib_load["seconds"] > opts.rdflib_budget:
        took = rdflib_load.get("seconds", 0.0)
        res["rdflib_queries_skipped"] = (
            f"not run: loading into rdflib took {took:.0f} s, over the {opts.rdflib_budget:.0f} s "
            "budget for running queries on it")
    else:
        budget = opts.timeout + len(res["ckg_queries"].get("queries", {})) * opts.query_timeout
        record("rdflib_queries", step("rdflib-queries", {
            **common, **files, "query_timeout": opts.query_timeout}, budget, work))

    # Full validation.
    shapes = str(project / "ontology" / "shapes.ttl")
    ontology = [str(project / "ontology" / "caucasus-kg.ttl"),
                str(project / "ontology" / "vocabularies.ttl")]
    record("ckg_validate", cli(project, ["validate"], opts.timeout, store))
    if not opts.skip_slow:
        shacl = {**files, "shapes": shapes, "ontology": ontology}
        record("pyshacl", step("pyshacl", shacl, opts.timeout, work))
        if opts.pyrudof:
            record("pyrudof", step("pyrudof", shacl, opts.timeout, work))

    # Incremental validation of a ~1,000-triple file.
    record("ckg_add_dry_run", cli(project, ["add", str(incoming / "new-deals.yaml"),
                                            "--dry-run"], opts.timeout, store))
    return res


def measure_import(opts: Options, work: Path) -> dict[str, Any]:
    """``caucasus-kg import sipri`` of the whole register (``--sipri``) into the shipped project,
    built, against a raw bulk load of the N-Triples it wrote into a named graph: ``--rounds``
    pairs in alternating order (import, raw, then raw, import), so that load on the machine
    weighs on both sides alike. Each import goes into a fresh copy of the built project."""
    shutil.rmtree(work, ignore_errors=True)
    built = work / "built"
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, built / folder)
    done = cli(built, ["build"], opts.timeout)
    if not done.ok:
        raise SystemExit(f"building the shipped project failed: {done.error}")
    imports: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []
    written: Path | None = None
    for number in range(opts.rounds):
        for kind in ("import", "raw") if number % 2 == 0 else ("raw", "import"):
            if kind == "raw":
                if written is None:
                    continue
                raw = step("raw-named-load", {
                    "ntriples": str(written), "store": str(work / "raw-store"),
                    "graph": "https://w3id.org/caucasus-kg/graph/imports/" + written.stem},
                    opts.timeout, work)
                raws.append(raw.as_json())
                log(f"raw named-graph load: {raw.seconds:.2f} s, {raw.rss_mb:.0f} MB")
                continue
            project = work / "project"
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(built, project)
            imported = cli(project, ["import", "sipri", str(opts.sipri)], max(opts.timeout, 900))
            imports.append(imported.as_json())
            log(f"import sipri: {imported.seconds:.2f} s, {imported.rss_mb:.0f} MB")
            nt_files = sorted((project / "imports").glob("*.nt"))
            if not imported.ok or not nt_files:
                return {"ckg_import": imports, "raw_named_load": raws}
            if written is None:
                written = work / nt_files[0].name
                shutil.copyfile(nt_files[0], written)
    shutil.rmtree(work / "project", ignore_errors=True)
    return {"ckg_import": imports, "raw_named_load": raws}


# ------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------

def _runs(entry: dict[str, Any] | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A step's runs (a JSON file written before there were rounds holds one, not a list)."""
    if not entry:
        return []
    return entry if isinstance(entry, list) else [entry]


def _span(values: list[float], unit: str = " s", digits: int = 2) -> str:
    low, high = min(values), max(values)
    if f"{low:.{digits}f}" == f"{high:.{digits}f}":
        return f"{low:.{digits}f}{unit}"
    return f"{low:.{digits}f}-{high:.{digits}f}{unit}"


def sipri_import_table(entry: dict[str, Any] | None, timeout: float) -> list[str]:
    """The import of the SIPRI register against the raw named-graph load (whole process each,
    min-max over the alternating pairs; a ratio is one import over the raw load of its pair)."""
    if not entry:
        return []
    ours, raws = _runs(entry.get("ckg_import")), _runs(entry.get("raw_named_load"))
    if not ours:
        return []
    failed = next((run for run in ours + raws if seconds_or_none(run) is None), None)
    triples = raws[0].get("triples") if raws else None
    if failed is not None or not raws:
        cells = [fmt_s(failed or ours[0], timeout), mb(ours[0]),
                 fmt_s(failed, timeout) if raws else "not run", "-", "-", "<= 2x, < 2 GB", "-"]
    else:
        times = [run["seconds"] for run in ours]
        bases = [run["seconds"] for run in raws]
        ratios = [a / b for a, b in zip(times, bases, strict=False)]
        peak = max(run["peak_rss_mb"] for run in ours)
        ok = max(ratios) <= 2 and peak < 2048
        cells = [_span(times), f"{peak:.0f}", _span(bases),
                 f"{max(run['peak_rss_mb'] for run in raws):.0f}",
                 _span(ratios, "x"), "<= 2x, < 2 GB", verdict(ok)]
    return ["### Import of the SIPRI register", "",
            "Whole process each: `caucasus-kg import sipri` of the register into a fresh copy "
            "of the built shipped project (parsing, checks, merge, store write); the comparator "
            "is a process that bulk-loads the N-Triples file the import wrote into one named "
            "graph of a new store on disk and flushes it. "
            f"{len(ours)} import(s) and {len(raws)} raw load(s) in alternating order; times "
            "and ratios are min-max over the pairs, peak RSS the largest.", "",
            "| triples | caucasus-kg import | peak RSS MB | raw pyoxigraph named-graph load | "
            "peak RSS MB | ratio | target | verdict |", "|" + "---|" * 8,
            f"| {f'{triples:,}' if triples else '-'} | " + " | ".join(cells) + " |", ""]


def fmt_s(entry: dict[str, Any] | None, timeout: float) -> str:
    if not entry:
        return "not run"
    if entry["timed_out"]:
        return f"> {timeout:.0f} s"
    if entry["exit_code"] != 0 or entry.get("crashed"):
        return f"failed (exit {entry['exit_code']})"
    return f"{entry['seconds']:.2f} s"


def seconds_or_none(entry: dict[str, Any] | None) -> float | None:
    if not entry or entry["exit_code"] != 0 or entry.get("crashed"):
        return None
    return entry["seconds"]


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def mb(entry: dict[str, Any] | None) -> str:
    return f"{entry['peak_rss_mb']:.0f}" if entry else "-"


def import_table(results: list[dict[str, Any]], timeout: float) -> list[str]:
    lines = ["### Import / build", "",
             "| triples | loader | time | triples/s | vs raw pyoxigraph (to disk) | peak RSS MB "
             "| on disk MB | target | verdict |", "|" + "---|" * 9]
    for res in results:
        n = res["triples"]
        raw = seconds_or_none(res.get("raw_load"))
        rows = [("caucasus-kg build (load, checks, SHACL, store)", res.get("ckg_build"),
                 "<= 1.5x raw", True),
                ("caucasus-kg load + store write, no validation (API)", res.get("ckg_load"), "",
                 False),
                ("raw pyoxigraph: bulk_load of the built store's N-Quads dump (the same quads "
                 "in the same named graphs) into a new store on disk, + flush",
                 res.get("raw_load"), "", False),
                ("rdflib Dataset.parse in memory", res.get("rdflib_load"), "", False)]
        for label, entry, target, judged in rows:
            secs = seconds_or_none(entry)
            rate = f"{n / secs:,.0f}" if secs else "-"
            ratio = f"{secs / raw:.2f}x" if secs and raw else (
                f"> {timeout / raw:.1f}x" if entry and entry["timed_out"] and raw else "-")
            ok = (secs is not None and raw is not None and secs <= 1.5 * raw) if judged else None
            disk = entry.get("disk_mb") if entry else None
            lines.append(f"| {n:,} | {label} | {fmt_s(entry, timeout)} | {rate} | {ratio} | "
                         f"{mb(entry)} | {f'{disk:.0f}' if disk else '-'} | {target or '-'} | "
                         f"{verdict(ok)} |")
    return lines


def spread(entry: dict[str, Any] | None) -> str:
    """`` (min-max)`` of a query's timings over every run of every round."""
    if not entry or len(entry.get("ms", [])) < 2:
        return ""
    return f" ({min(entry['ms']):,.2f}-{max(entry['ms']):,.2f})"


def median(entry: dict[str, Any] | None) -> float | None:
    return statistics.median(entry["ms"]) if entry and "ms" in entry else None


def query_tables(results: list[dict[str, Any]], opts: Options) -> list[str]:
    lines: list[str] = []
    for res in results:
        n = res["triples"]
        ckg = res.get("ckg_queries", {}).get("queries", {})
        raw = res.get("raw_queries", {}).get("queries", {})
        rdf = res.get("rdflib_queries", {}).get("queries", {})
        note = res.get("rdflib_queries_skipped", "")
        judged_rdflib = res["size"] == TARGET_SIZE_RDFLIB and not note
        target = "<= 2x raw" + (", >= 100x rdflib" if judged_rdflib else "")
        lines += [f"### Competency queries at {n:,} triples (ms: median (min-max) of {opts.runs} "
                  f"runs in each of {opts.rounds} alternating rounds)", ""]
        if note:
            lines += [f"rdflib: {note}.", ""]
        lines += ["Query time only, in one process each (the store opened and the query "
                  "warmed up first): caucasus-kg is `run_query` on the built store; raw "
                  "pyoxigraph runs the same bound text on a store bulk-loaded from the same "
                  "quads (same named graphs, union default graph); rdflib the same text on a "
                  "`Dataset(default_union=True)` of them in memory. Whole-process figures are "
                  "benchmarks/cli_latency.py's.", ""]
        lines += ["| query | rows | caucasus-kg | raw pyoxigraph | rdflib | caucasus-kg / raw "
                  "| rdflib / caucasus-kg | target | verdict |", "|" + "---|" * 9]
        empty: list[str] = []
        for name in sorted(ckg):
            c, r, entry = median(ckg[name]), median(raw.get(name)), rdf.get(name)
            d = median(entry)
            if entry and "timeout_s" in entry:
                rdf_text, speedup = f"> {entry['timeout_s'] * 1000:,.0f}", (
                    f"> {entry['timeout_s'] * 1000 / c:,.0f}x" if c else "-")
                speed_ok = c is not None and entry["timeout_s"] * 1000 >= 100 * c
            elif d is not None:
                rdf_text = f"{d:,.1f}"
                speedup = f"{d / c:,.0f}x" if c else "-"
                speed_ok = c is not None and d >= 100 * c
            else:
                rdf_text, speedup, speed_ok = "not run", "-", None
            ratio = f"{c / r:.2f}x" if c is not None and r else "-"
            ok: bool | None = c is not None and r is not None and c <= 2 * r
            if judged_rdflib:
                ok = bool(ok) and bool(speed_ok)
            rows = ckg[name]["rows"]
            if not rows:  # an empty answer measures nothing: no ratio, no verdict
                ratio, speedup, ok = "no ratio: 0 rows", "-", None
                empty.append(name)
            lines.append(f"| {name} | {rows} | {c:,.2f}{spread(ckg[name])} | "
                         f"{f'{r:,.2f}' if r is not None else '-'}{spread(raw.get(name))} "
                         f"| {rdf_text} | {ratio} | {speedup} | {target} | {verdict(ok)} |")
        if empty:
            lines += ["", "No ratio for queries that answer no rows on this data: "
                      + ", ".join(empty)]
        mismatched = sorted(q for q in ckg if q in raw and raw[q].get("rows") != ckg[q]["rows"])
        if mismatched:
            lines += ["", "Row counts differ from raw pyoxigraph for: " + ", ".join(mismatched)]
        lines.append("")
    lines += ["### Memory of querying", "",
              "| triples | caucasus-kg query process peak RSS MB | raw pyoxigraph MB | "
              "rdflib MB | target | verdict |", "|" + "---|" * 6]
    for res in results:
        entry = res.get("ckg_queries")
        judged = res["size"] == TARGET_SIZE_LARGE
        ok = (entry["peak_rss_mb"] < 600) if judged and entry else None
        lines.append(f"| {res['triples']:,} | {mb(entry)} | {mb(res.get('raw_queries'))} | "
                     f"{mb(res.get('rdflib_queries'))} | {'< 600 MB' if judged else '-'} | "
                     f"{verdict(ok)} |")
    return lines


def checked_seconds(entry: dict[str, Any] | None) -> float | None:
    """A validation's time: exit 0 (valid) and 1 (invalid) both mean it finished."""
    if not entry or entry["exit_code"] not in (0, 1) or entry.get("crashed"):
        return None
    return entry["seconds"]


def fmt_checked(entry: dict[str, Any] | None, timeout: float) -> str:
    secs = checked_seconds(entry)
    return f"{secs:.2f} s" if secs is not None else fmt_s(entry, timeout)


def validation_table(results: list[dict[str, Any]], timeout: float) -> list[str]:
    lines = ["### Full SHACL validation", "",
             "| triples | engine | time | peak RSS MB | outcome | target | verdict |",
             "|" + "---|" * 7]
    for res in results:
        ours = res.get("ckg_validate")
        shacl, rudof = res.get("pyshacl"), res.get("pyrudof")
        judged = res["size"] == TARGET_SIZE_LARGE
        for label, entry in (("caucasus-kg validate", ours), ("pySHACL", shacl),
                             ("pyrudof (native)", rudof)):
            if entry is None:
                lines.append(f"| {res['triples']:,} | {label} | not run | - | - | - | - |")
                continue
            outcome = "-"
            if "conforms" in entry:
                outcome = "conforms" if entry["conforms"] else f"{entry['results']} result(s)"
            elif checked_seconds(entry) is not None:
                outcome = "valid (exit 0)" if entry["exit_code"] == 0 else "invalid (exit 1)"
            elif entry.get("crashed"):
                outcome = "crashed"
            target, ok = "-", None
            if judged and entry is ours:
                target = "< 60 s, < 2 GB, faster than pySHACL, leaner than pyrudof"
                secs = checked_seconds(ours)
                theirs = checked_seconds(shacl) if shacl and "conforms" in shacl else None
                faster = secs is not None and (theirs is None or secs < theirs)
                leaner = rudof is None or ours["peak_rss_mb"] < rudof["peak_rss_mb"]
                ok = (secs is not None and secs < 60 and ours["peak_rss_mb"] < 2048 and faster
                      and leaner)
            lines.append(f"| {res['triples']:,} | {label} | {fmt_checked(entry, timeout)} | "
                         f"{mb(entry)} | {outcome} | {target} | {verdict(ok)} |")
    return lines


def incremental_table(results: list[dict[str, Any]], timeout: float) -> list[str]:
    lines = ["### Incremental validation of a ~1,000-triple file", "",
             "| triples | add --dry-run | peak RSS MB | full validate | full / incremental | "
             "target | verdict |", "|" + "---|" * 7]
    for res in results:
        inc, full = res.get("ckg_add_dry_run"), res.get("ckg_validate")
        secs = checked_seconds(inc)
        full_s = checked_seconds(full)
        ratio = "-"
        if secs and full_s:
            ratio = f"{full_s / secs:,.0f}x"
        elif secs and full and full["timed_out"]:
            ratio = f"> {timeout / secs:,.0f}x"
        ok = secs is not None and secs < 2
        lines.append(f"| {res['triples']:,} | {fmt_checked(inc, timeout)} | {mb(inc)} | "
                     f"{fmt_checked(full, timeout)} | {ratio} | < 2 s | {verdict(ok)} |")
    return lines


def data_table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["### Data", "", "| target size | triples in the store | shipped project | SIPRI "
             "rows (triples) | synthetic transfers |", "|" + "---|" * 5]
    for res in results:
        s = res["setup"]
        lines.append(f"| {res['size']:,} | {res['triples']:,} | {s['base_triples']:,} | "
                     f"{s['sipri_records']:,} of {s['sipri_records_in_file']:,} "
                     f"({s['sipri_triples']:,}) | {s['synthetic_facts']:,} |")
    return lines


def render(results: list[dict[str, Any]], opts: Options,
           sipri_import: dict[str, Any] | None = None) -> str:
    parts = [sipri_import_table(sipri_import, opts.timeout)]
    if results:  # none with --import-only
        parts = [data_table(results), import_table(results, opts.timeout), *parts,
                 query_tables(results, opts), validation_table(results, opts.timeout),
                 incremental_table(results, opts.timeout)]
    return "\n\n".join("\n".join(p).rstrip() for p in parts if p) + "\n"


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------

def has_pyrudof() -> bool:
    try:
        metadata.version("pyrudof")
    except metadata.PackageNotFoundError:
        return False
    return True


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("caucasus-kg", "pyoxigraph", "rdflib", "pyshacl", "pyrudof"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of whole "
                                         "numbers, e.g. 10000,100000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive whole numbers")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, help="comma-separated triple counts "
                        "(default 10000,100000,1000000)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (median)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the "
                        "caucasus-kg and raw pyoxigraph query steps, and pairs of the SIPRI "
                        "import and its raw load (default 2)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds before a slow step (build, validation, loading) is stopped")
    parser.add_argument("--query-timeout", type=float, default=60,
                        help="seconds before an rdflib query is stopped")
    parser.add_argument("--rdflib-budget", type=float, default=30, help="run the queries on "
                        "rdflib only when loading into it took at most this many seconds")
    parser.add_argument("--skip-slow", action="store_true",
                        help="leave out rdflib, pySHACL and pyrudof (a smoke run)")
    parser.add_argument("--no-pyrudof", action="store_true", help="leave out pyrudof")
    parser.add_argument("--sipri", type=Path, default=SIPRI_CSV,
                        help=f"the SIPRI trade-register CSV (default {SIPRI_CSV})")
    parser.add_argument("--skip-import", action="store_true", help="leave out the import of "
                        "the whole --sipri register against a raw named-graph load")
    parser.add_argument("--import-only", action="store_true", help="only the import of the "
                        "--sipri register against its raw load (no sizes)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    parser.add_argument("--work", type=Path, help="work in this folder and keep it")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="print the tables of an earlier --json file and exit")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--step-args", help=argparse.SUPPRESS)
    parser.add_argument("--step-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.step:
        result = STEPS[args.step](json.loads(args.step_args))
        args.step_out.write_text(json.dumps(result), "utf-8")
        return 0

    if args.render:
        try:
            saved = json.loads(args.render.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {args.render}: {exc}; give a file written by --json",
                  file=sys.stderr)
            return 2
        options = saved["options"]
        opts = Options(runs=int(options["runs"]), timeout=float(options["timeout"]),
                       query_timeout=float(options["query_timeout"]),
                       rdflib_budget=float(options["rdflib_budget"]),
                       skip_slow=options["skip_slow"] == "True",
                       pyrudof=options["pyrudof"] == "True", sipri=Path(options["sipri"]),
                       rounds=int(options.get("rounds", 1)))
        print(header(saved["date"], saved["cpus"], saved["versions"], saved["command"]))
        print(render(saved["results"], opts, saved.get("import")), end="")
        return 0
    if not args.sipri.is_file():
        print(f"error: the SIPRI trade register {args.sipri} is missing; the benchmark imports "
              "real SIPRI rows from it. Point --sipri at a SIPRI trade-register CSV export "
              "(classic layout, one row per deal).", file=sys.stderr)
        return 2
    if args.import_only and (args.sizes or args.quick or args.skip_import):
        parser.error("--import-only measures no size and needs the import")
    sizes = [] if args.import_only else args.sizes or (list(QUICK) if args.quick else list(SIZES))
    opts = Options(runs=max(1, args.runs), timeout=args.timeout, query_timeout=args.query_timeout,
                   rdflib_budget=args.rdflib_budget, skip_slow=args.skip_slow,
                   pyrudof=has_pyrudof() and not args.no_pyrudof and not args.skip_slow,
                   sipri=args.sipri, rounds=max(1, args.rounds))
    if not opts.pyrudof and not args.skip_slow and not args.no_pyrudof:
        log("pyrudof is not installed: its column is left out (pip install pyrudof to add it)")
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="ckg-scale-"))
    command = ("benchmarks/scale.py " + " ".join(sys.argv[1:] if argv is None else argv)).strip()
    today, found = dt.date.today().isoformat(), versions()
    results: list[dict[str, Any]] = []
    imported: dict[str, Any] | None = None

    def save() -> None:  # after every part, so a long run that is cut short keeps its numbers
        if args.json:
            payload = {"date": today, "cpus": os.cpu_count(), "versions": found,
                       "command": command, "results": results, "import": imported,
                       "options": {k: str(v) for k, v in vars(opts).items()}}
            args.json.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", "utf-8")

    try:
        for size in sizes:
            results.append(measure_size(size, opts, work / str(size)))
            if not args.work:
                shutil.rmtree(work / str(size), ignore_errors=True)
            save()
        if not args.skip_import:
            imported = measure_import(opts, work / "import")
            save()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(header(today, os.cpu_count(), found, command))
    print(render(results, opts, imported), end="")
    return 0


def header(date: str, cpus: int | None, found: dict[str, str], command: str) -> str:
    return (f"caucasus-kg scale benchmark, {date}, {cpus} CPUs; "
            + ", ".join(f"{k} {v}" for k, v in found.items()) + f"\ncommand: {command}\n")


if __name__ == "__main__":
    sys.exit(main())
