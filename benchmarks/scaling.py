"""Scaling: wall time and ESS/s as chains, CPU devices, processes and data rows grow.

``python benchmarks/scaling.py`` runs four sections (``--sections`` picks some of them). Every
case runs in a fresh process, ``--rounds`` times (default 3) interleaved: each round runs every
case of every chosen section once, so a load spike on a shared machine hits all cases alike.
The tables show medians over the rounds.

* **chains**: the 10-dimensional Gaussian of ``benchmarks/posteriors.py`` (scales 0.1-10,
  float32) with 1, 4, 64, 1,024 and 4,096 vectorised chains, sampled with NUTS (Stan's warm-up)
  and with ChEES-HMC (``kernel=pf.mcmc.ChEESHMC(), adaptation="chees"``), 150 warm-up + 100
  draws per chain. The work is ``many_chains.worker`` (imported, not copied): wall seconds of
  the first ``sample`` call (compilation included, "cold") and of a second call with another
  key ("warm"), the smallest bulk ESS over the 10 dimensions (ArviZ) and ESS per warm second.
  ChEES adapts across chains; a case that fails (ChEES at one chain: ``sample`` refuses it)
  is shown as "n/a" with the reason.
* **devices**: NUTS, 4 chains x (1000 + 1000) on the logistic regression of ``posteriors.py``
  (5000 x 50) over 1, 2 and 4 forced CPU devices
  (``XLA_FLAGS=--xla_force_host_platform_device_count=N``, set in the worker's environment
  before JAX starts), ``chain_method="parallel"`` (one device: ``"vectorized"``): cold and warm
  seconds, min bulk ESS and ESS per warm second. Forced devices share the machine's cores.
* **processes**: ``examples/distributed_chains.py`` (NUTS on eight schools, 500 + 500 per
  chain, 4 chains in all, ``chain_method="parallel"``) as one process with 4 CPU devices and as
  two local processes with 2 devices each, joined by ``jax.distributed`` on 127.0.0.1: wall
  seconds of the whole run (process start, JAX start-up, compilation, sampling, gathering the
  draws), and whether both layouts give identical draws.
* **vi**: ``sharded_data.measure`` (imported) on a 5-feature logistic regression with 10^4,
  10^5 and 10^6 rows under 4 forced CPU devices: milliseconds per mean-field VI step
  (``negative_elbo`` + ``optax.adam``) for the unsharded posterior and for
  ``pf.shard_data`` over 4 devices (the JSON also keeps 1 and 2 devices and the NUTS gradient).

Output: a Markdown table per section on stdout, ``benchmarks/results/scaling.json`` (each
section's runs, medians, failures, settings and load average; a run of some sections
replaces only those in the file) and ``docs/images/scaling.png``, a log-log plot: warm seconds
and ESS/s against chains (NUTS, ChEES), and VI step time against rows (sharded, not).
``--plot-only`` redraws the plot from the JSON. ``--quick`` runs one round of a smaller version
(chains 1, 4, 64; short runs; 10^4 rows) to check the script.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLE = os.path.join(ROOT, "examples", "distributed_chains.py")
sys.path.insert(0, HERE)

SECTIONS = ("chains", "devices", "processes", "vi")
SAMPLERS = ("nuts", "chees")
FULL = {"chains": [1, 4, 64, 1024, 4096], "chain_warmup": 150, "chain_samples": 100,
        "devices": [1, 2, 4], "device_warmup": 1000, "device_samples": 1000,
        "processes": [1, 2], "process_warmup": 500, "process_samples": 500,
        "rows": [10_000, 100_000, 1_000_000], "vi_inner_rounds": 5, "timeout_s": 3600}
QUICK = {"chains": [1, 4, 64], "chain_warmup": 100, "chain_samples": 50,
         "devices": [1, 2, 4], "device_warmup": 100, "device_samples": 50,
         "processes": [1, 2], "process_warmup": 100, "process_samples": 50,
         "rows": [10_000], "vi_inner_rounds": 1, "timeout_s": 600}
VI_DEVICES = 4
TOTAL_CHAINS = 4


# ----------------------------------------------------------------------------- workers
# Each runs in its own process (``--worker KIND ...``) and prints one JSON line.


def devices_worker(devices: int, num_warmup: int, num_samples: int) -> dict[str, Any]:
    """NUTS on the logistic posterior, 4 chains over ``devices`` forced CPU devices."""
    import arviz as az
    import jax
    import numpy as np
    from posteriors import initial_positions, logistic_regression

    import probflow as pf

    if len(jax.devices()) != devices:
        raise RuntimeError(f"expected {devices} CPU devices, JAX has {len(jax.devices())} "
                           f"(XLA_FLAGS={os.environ.get('XLA_FLAGS')!r})")
    target = logistic_regression()
    init = initial_positions(jax.random.key(42), target, TOTAL_CHAINS)
    method = "parallel" if devices > 1 else "vectorized"

    def run(seed: int) -> tuple[Any, float]:
        start = time.perf_counter()
        idata = pf.mcmc.sample(target.logdensity, key=jax.random.key(seed),
                               initial_position=init, num_chains=TOTAL_CHAINS,
                               num_warmup=num_warmup, num_samples=num_samples,
                               chain_method=method, progress_bar=False, warn=False)
        return idata, time.perf_counter() - start

    _, cold = run(1)
    idata, warm = run(2)
    ess = float(np.min(az.ess(idata, method="bulk")["x"].values))
    return {"posterior": target.name, "devices": devices, "chain_method": method,
            "cold_s": cold, "warm_s": warm, "min_ess_bulk": ess, "ess_per_s": ess / warm,
            "divergences": int(idata.sample_stats["diverging"].sum())}


def vi_worker(num_rows: int, inner_rounds: int) -> dict[str, Any]:
    """``sharded_data.measure`` at ``num_rows`` rows (4 forced devices, set by the parent)."""
    import sharded_data  # sets XLA_FLAGS itself if the parent did not; JAX starts here

    rows = sharded_data.measure(num_rows, inner_rounds)
    by_setting = {row["setting"]: row for row in rows}
    sharded = by_setting[f"{VI_DEVICES} devices"]
    return {"rows": num_rows, "vi_unsharded_s": by_setting["unsharded"]["vi"],
            "vi_sharded_s": sharded["vi"], "vi_speedup": sharded["vi_ratio"],
            "nuts_grad_unsharded_s": by_setting["unsharded"]["nuts"],
            "nuts_grad_sharded_s": sharded["nuts"], "nuts_grad_speedup": sharded["nuts_ratio"],
            "settings": rows}


def run_worker(kind: str, params: list[str]) -> dict[str, Any]:
    """Dispatch ``--worker KIND PARAMS...`` to the worker of that kind."""
    if kind == "chains":
        from many_chains import worker

        sampler, chains, warmup, samples = params
        return worker(sampler, int(chains), int(warmup), int(samples))
    if kind == "devices":
        return devices_worker(*(int(p) for p in params))
    if kind == "vi":
        return vi_worker(*(int(p) for p in params))
    raise ValueError(f"unknown worker {kind!r}")


# ----------------------------------------------------------------------------- cases


def base_env() -> dict[str, str]:
    """The parent's environment without XLA_FLAGS, on the CPU, with the repository importable."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONPATH"] = os.pathsep.join(p for p in [ROOT, env.get("PYTHONPATH", "")] if p)
    return env


def force_devices(env: dict[str, str], count: int) -> dict[str, str]:
    """A copy of ``env`` that makes JAX start with ``count`` CPU devices."""
    return {**env, "XLA_FLAGS": f"--xla_force_host_platform_device_count={count}"}


def last_error(stderr: str) -> str:
    """The last non-empty line of a failed process's stderr (the exception, usually)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def run_json_worker(kind: str, params: list[Any], env: dict[str, str],
                    timeout_s: float) -> dict[str, Any]:
    """Run one worker in a fresh process; its JSON line, or ``{"error": reason}``."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, *map(str, params)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": last_error(out.stderr)}
    return json.loads(lines[-1])


def processes_case(processes: int, num_warmup: int, num_samples: int, env: dict[str, str],
                   timeout_s: float) -> dict[str, Any]:
    """``examples/distributed_chains.py`` as 1 process x 4 devices or 2 processes x 2 devices.

    Returns the wall seconds from starting the processes to the last one's exit, and the
    draws' path (to compare the layouts).
    """
    sys.path.insert(0, os.path.dirname(EXAMPLE))
    from distributed_chains import _cpu_shares, _free_port

    folder = tempfile.mkdtemp(prefix="scaling-")
    local = TOTAL_CHAINS // processes
    base = [sys.executable, EXAMPLE, "--num-warmup", str(num_warmup), "--num-samples",
            str(num_samples), "--local-devices", str(local)]
    if processes == 1:
        commands = [base + ["--output", os.path.join(folder, "process0.npz")]]
    else:
        port = _free_port()
        # each process on its own cores, as the example's demo does
        pins = [["--cpus", ",".join(map(str, cpus))] if cpus else []
                for cpus in _cpu_shares(processes)]
        commands = [base + ["--coordinator", f"127.0.0.1:{port}", "--num-processes",
                            str(processes), "--process-id", str(i), "--output",
                            os.path.join(folder, f"process{i}.npz")] + pins[i]
                    for i in range(processes)]
    start = time.perf_counter()
    children = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env) for cmd in commands]
    errors = []
    for child in children:
        try:
            _, err = child.communicate(timeout=max(1.0, timeout_s - (time.perf_counter()
                                                                     - start)))
        except subprocess.TimeoutExpired:
            for other in children:
                if other.poll() is None:
                    other.kill()
                    other.communicate()
            return {"error": f"timed out after {timeout_s:.0f} s"}
        if child.returncode:
            errors.append(last_error(err))
    wall = time.perf_counter() - start
    if errors:
        return {"error": errors[0]}
    return {"processes": processes, "devices_per_process": local, "chains": TOTAL_CHAINS,
            "wall_s": wall, "draws": os.path.join(folder, "process0.npz")}


def same_draws(first: str, second: str) -> bool:
    """Whether two ``distributed_chains.py --output`` files hold identical draws."""
    import numpy as np

    a, b = np.load(first), np.load(second)
    return all(np.array_equal(a[k], b[k]) for k in ("mu", "tau"))


def cases(section: str, config: dict[str, Any]) -> list[tuple[tuple[Any, ...], Any]]:
    """The (key, runner) pairs of one section; a runner takes no argument, returns a dict."""
    env, timeout = base_env(), config["timeout_s"]
    out: list[tuple[tuple[Any, ...], Any]] = []
    if section == "chains":
        for chains in config["chains"]:
            for sampler in SAMPLERS:
                params = [sampler, chains, config["chain_warmup"], config["chain_samples"]]
                out.append(((sampler, chains), lambda p=params: run_json_worker(
                    "chains", p, env, timeout)))
    elif section == "devices":
        for devices in config["devices"]:
            params = [devices, config["device_warmup"], config["device_samples"]]
            out.append(((devices,), lambda p=params, d=devices: run_json_worker(
                "devices", p, force_devices(env, d), timeout)))
    elif section == "processes":
        for processes in config["processes"]:
            out.append(((processes,), lambda n=processes: processes_case(
                n, config["process_warmup"], config["process_samples"], env, timeout)))
    elif section == "vi":
        for rows in config["rows"]:
            params = [rows, config["vi_inner_rounds"]]
            out.append(((rows,), lambda p=params: run_json_worker(
                "vi", p, force_devices(env, VI_DEVICES), timeout)))
    return out


# ----------------------------------------------------------------------------- summaries


def medians(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric field over the successful runs of one case."""
    good = [r for r in results if "error" not in r]
    if not good:
        return {}
    return {name: statistics.median(r[name] for r in good) for name, value in good[0].items()
            if isinstance(value, int | float) and not isinstance(value, bool)}


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell; "n/a" when missing."""
    return "n/a" if value is None else f"{value:,.{digits}f}"


def failure_note(results: list[dict[str, Any]]) -> str | None:
    """The reason a case failed in every round (None if it succeeded at least once)."""
    if any("error" not in r for r in results):
        return None
    return results[0]["error"] if results else "not run"


def table(section: str, data: dict[str, Any]) -> str:
    """The Markdown table (and failure notes) of one section of the JSON."""
    from common import markdown_table

    rows, notes = [], []
    entries, s = data["cases"], data["settings"]
    for entry in entries:
        m, note = entry["medians"], failure_note(entry["runs"])
        key = entry["key"]
        if note:
            notes.append(f"- {' '.join(map(str, key))}: n/a, {note}")
        if section == "chains":
            nuts = next((e["medians"] for e in entries
                         if e["key"] == ["nuts", key[1]] and e["medians"]), {})
            ratio = (m["ess_per_s"] / nuts["ess_per_s"] if m and nuts.get("ess_per_s")
                     else None)
            rows.append(["ChEES-HMC" if key[0] == "chees" else "NUTS", f"{key[1]:,}",
                         fmt(m.get("cold_s")), fmt(m.get("warm_s")),
                         fmt(m.get("min_ess_bulk"), 0), fmt(m.get("ess_per_s"), 0),
                         fmt(m.get("ess_per_kgrad"), 1),
                         "n/a" if ratio is None else f"{ratio:.2f}x"])
        elif section == "devices":
            base = next((e["medians"] for e in entries if e["key"] == [1]), {})
            speedup = (base["warm_s"] / m["warm_s"] if m and base.get("warm_s") else None)
            rows.append([str(key[0]), "parallel" if key[0] > 1 else "vectorized",
                         fmt(m.get("cold_s")), fmt(m.get("warm_s")),
                         fmt(m.get("min_ess_bulk"), 0), fmt(m.get("ess_per_s"), 0),
                         "n/a" if speedup is None else f"{speedup:.2f}x"])
        elif section == "processes":
            base = next((e["medians"] for e in entries if e["key"] == [1]), {})
            speedup = (base["wall_s"] / m["wall_s"] if m and base.get("wall_s") else None)
            rows.append([str(key[0]), str(TOTAL_CHAINS // key[0]), str(TOTAL_CHAINS),
                         fmt(m.get("wall_s")), "n/a" if speedup is None else f"{speedup:.2f}x"])
        elif section == "vi":
            rows.append([f"{key[0]:,}",
                         fmt(1e3 * m["vi_unsharded_s"] if m else None, 3),
                         fmt(1e3 * m["vi_sharded_s"] if m else None, 3),
                         "n/a" if not m else f"{m['vi_speedup']:.2f}x",
                         fmt(1e3 * m["nuts_grad_unsharded_s"] if m else None, 3),
                         fmt(1e3 * m["nuts_grad_sharded_s"] if m else None, 3)])
    headers = {
        "chains": ["sampler", "chains", "cold s", "warm s", "min bulk ESS", "ESS / s (warm)",
                   "ESS / 1k grads", "ESS/s vs NUTS"],
        "devices": ["CPU devices", "chain_method", "cold s", "warm s", "min bulk ESS",
                    "ESS / s (warm)", "warm speed-up"],
        "processes": ["processes", "CPU devices each", "chains", "wall s (whole run)",
                      "speed-up"],
        "vi": ["rows", "VI step ms, unsharded", f"VI step ms, {VI_DEVICES} devices",
               "VI speed-up", "NUTS grad ms, unsharded", f"NUTS grad ms, {VI_DEVICES} devices"],
    }
    intro = {
        "chains": f"10-d Gaussian, {s['chain_warmup']} warm-up + {s['chain_samples']} draws "
                  "per chain, vectorised",
        "devices": f"logistic 5000 x 50, NUTS, {TOTAL_CHAINS} chains x ({s['device_warmup']} "
                   f"+ {s['device_samples']})",
        "processes": f"examples/distributed_chains.py, eight schools, {TOTAL_CHAINS} chains x "
                     f"({s['process_warmup']} + {s['process_samples']}); identical draws in "
                     f"both layouts: {data.get('same_draws', 'n/a')}",
        "vi": f"sharded_data.py, logistic regression with 5 features, {VI_DEVICES} forced "
              f"devices, median of {s['vi_inner_rounds']} inner round(s) per process",
    }[section]
    # (cases that failed in every round, reported as n/a, do not count)
    counts = sorted({n for e in entries if (n := sum("error" not in r for r in e["runs"]))})
    load = data.get("load_average")
    lines = [f"### {section}", "",
             f"{intro}; medians of {'/'.join(map(str, counts))} run(s) per case"
             + (f"; load average {load[0]:.1f}-{load[1]:.1f}" if load else "")
             + f"; {data['machine']}", "", markdown_table(headers[section], rows)]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- plot


def plot(results: dict[str, Any], path: str) -> None:
    """Log-log plot: warm s and ESS/s against chains; VI step time against rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sections = results.get("sections", {})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    chains = sections.get("chains")
    if chains:
        twin = left.twinx()
        for sampler, colour, label in (("nuts", "C0", "NUTS"), ("chees", "C1", "ChEES-HMC")):
            points = sorted((e["key"][1], e["medians"]) for e in chains["cases"]
                            if e["key"][0] == sampler and e["medians"])
            if not points:
                continue
            xs = [c for c, _ in points]
            left.plot(xs, [m["warm_s"] for _, m in points], "o-", color=colour,
                      label=f"{label}: warm s")
            twin.plot(xs, [m["ess_per_s"] for _, m in points], "s--", color=colour,
                      label=f"{label}: ESS/s")
        for axis in (left, twin):
            axis.set_xscale("log")
            axis.set_yscale("log")
        left.set_xlabel("vectorised chains")
        left.set_ylabel("warm wall seconds (solid)")
        twin.set_ylabel("min bulk ESS per warm second (dashed)")
        handles = left.get_legend_handles_labels()
        twin_handles = twin.get_legend_handles_labels()
        left.legend(handles[0] + twin_handles[0], handles[1] + twin_handles[1], fontsize=8,
                    loc="upper left")
        left.set_title("10-d Gaussian: chains")
    else:
        left.text(0.5, 0.5, "no chains results", ha="center", transform=left.transAxes)
    vi = sections.get("vi")
    if vi:
        points = sorted((e["key"][0], e["medians"]) for e in vi["cases"] if e["medians"])
        xs = [r for r, _ in points]
        right.plot(xs, [1e3 * m["vi_unsharded_s"] for _, m in points], "o-",
                   label="unsharded")
        right.plot(xs, [1e3 * m["vi_sharded_s"] for _, m in points], "s-",
                   label=f"sharded over {VI_DEVICES} CPU devices")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("rows")
        right.set_ylabel("ms per VI step")
        right.legend(fontsize=8)
        right.set_title("logistic regression: VI step time")
    else:
        right.text(0.5, 0.5, "no vi results", ha="center", transform=right.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------- driver


def load_results(path: str) -> dict[str, Any]:
    """The JSON file of an earlier run, or an empty result set."""
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"sections": {}}


def save_results(path: str, results: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="one round, chains 1, 4, 64, short runs, 10^4 rows: checks the "
                             "script")
    parser.add_argument("--plot-only", action="store_true",
                        help="redraw the plot from the JSON file, run nothing")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "scaling.json"))
    parser.add_argument("--plot", default=os.path.join(os.path.dirname(HERE), "docs", "images",
                                                       "scaling.png"))
    parser.add_argument("--worker", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker[0], args.worker[1:])))
        return
    if args.plot_only:
        plot(load_results(args.out), args.plot)
        print(f"wrote {args.plot}")
        return
    from common import machine_line

    config = dict(QUICK if args.quick else FULL)
    rounds = 1 if args.quick else args.rounds
    plan = {section: cases(section, config) for section in args.sections}
    runs: dict[str, dict[tuple[Any, ...], list[dict[str, Any]]]] = {
        section: {key: [] for key, _ in pairs} for section, pairs in plan.items()}
    load: dict[str, list[float]] = {section: [] for section in plan}
    for round_ in range(rounds):
        for section, pairs in plan.items():
            for key, runner in pairs:
                start = time.perf_counter()
                result = runner()
                load[section].append(os.getloadavg()[0])
                runs[section][key].append(result)
                print(f"# round {round_ + 1} {section} {list(key)} "
                      f"({time.perf_counter() - start:.0f} s): {json.dumps(result)}",
                      file=sys.stderr, flush=True)
    machine = machine_line()
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime())
    for section, per_key in runs.items():
        data: dict[str, Any] = {
            "date": stamp, "machine": machine, "cores": os.cpu_count(), "quick": args.quick,
            "rounds": rounds, "settings": config,
            "load_average": [min(load[section]), max(load[section])],
            "cases": [{"key": list(key), "runs": case, "medians": medians(case)}
                      for key, case in per_key.items()]}
        if section == "processes":
            paths = {key[0]: next((r["draws"] for r in case if "draws" in r), None)
                     for key, case in per_key.items()}
            if paths.get(1) and paths.get(2):
                data["same_draws"] = same_draws(paths[1], paths[2])
            for case in per_key.values():  # the draws were only kept for that comparison
                for r in case:
                    if "draws" in r:
                        shutil.rmtree(os.path.dirname(r.pop("draws")), ignore_errors=True)
        print("\n" + table(section, data))
        stored = load_results(args.out)
        stored.setdefault("sections", {})[section] = data
        save_results(args.out, stored)
    plot(load_results(args.out), args.plot)
    print(f"\nwrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
