"""Training speed of the eight models against the machine's matmul floor and the conventional PyTorch loop.

    python benchmarks/run.py [--iters N] [--warmup N] [--models pytorch/vanilla tensorflow ...] [--out PATH]
    python benchmarks/run.py --table-only      # rewrite the README table from the JSON, measure nothing

Each framework runs in its own child process (PyTorch and TensorFlow in one process can crash); this parent
collects their raw timings, derives the figures (see README.md), prints a table, writes the JSON and regenerates
the table in ``benchmarks/README.md`` from it.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an editable install's

import flops  # noqa: E402
import timing  # noqa: E402
from gans_common import runs  # noqa: E402
from gans_common.config import PRESETS, make_config  # noqa: E402

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("pytorch", "tensorflow")
EPOCH = 60_000  # images in one MNIST training epoch
# The levers' columns, in the table's order: timing.LEVERS, and PyTorch's bfloat16 autocast on CPU.
LEVER_TITLES = {"lazy_gp": "lazy penalty (`gp_every=4`)", "batch128": "batch 128",
                "bf16": "bfloat16 autocast (PyTorch, CPU)"}
MARKERS = {False: ("<!-- bench-table:start -->", "<!-- bench-table:end -->"),  # CPU report
           True: ("<!-- bench-gpu-table:start -->", "<!-- bench-gpu-table:end -->")}  # report measured on CUDA


def parse_models(names: list[str]) -> list[tuple[str, str]]:
    """FRAMEWORK/VARIANT, FRAMEWORK (all its variants) or VARIANT (both frameworks) -> [(framework, variant)]."""
    chosen = []
    for name in names:
        if "/" in name:
            fw, variant = name.split("/", 1)
        else:
            fw, variant = (name, "") if name in FRAMEWORKS else ("", name)
        fws, variants = [fw] if fw else FRAMEWORKS, [variant] if variant else list(PRESETS)
        if any(f not in FRAMEWORKS for f in fws) or any(v not in PRESETS for v in variants):
            sys.exit(f"unknown model {name!r}: use FRAMEWORK/VARIANT with FRAMEWORK in {', '.join(FRAMEWORKS)} "
                     f"and VARIANT in {', '.join(PRESETS)} (or either alone)")
        chosen += [(f, v) for f in fws for v in variants if (f, v) not in chosen]
    return chosen


def run_child(framework: str, variants: list[str], iters: int, warmup: int) -> dict:
    """Measure ``variants`` of ``framework`` in a fresh Python process; its JSON comes back through a file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "child.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", framework, "--models", *variants,
               "--iters", str(iters), "--warmup", str(warmup), "--out", str(out)]
        code = subprocess.run(cmd).returncode
        if code != 0:
            sys.exit(f"the {framework} measurement process failed (exit code {code}); its output is above")
        return json.loads(out.read_text())


def child(framework: str, variants: list[str], iters: int, warmup: int, out: Path) -> None:
    print(f"{framework}: matmul rate, then {iters} timed iterations per model after {warmup} warm-up", flush=True)
    info, rows = timing.MEASURE[framework](variants, iters, warmup)
    out.write_text(json.dumps(dict(info=info, rows=rows)))


def derive(row: dict, scale: float) -> dict:
    """Add the reported figures to a child's raw row. The row's floor is the matmul rate measured in turns with
    its steps, times ``scale`` (the faster framework's best rate over this framework's best; 1 for the faster)."""
    cfg = make_config(row["variant"])
    images, flop = cfg.k_steps * cfg.batch_size, flops.step_flops(cfg)["total"]
    secs, floor = row["step_seconds"], row["matmul_flops_per_call"] / row["matmul_step_seconds"] * scale
    out = dict(row, model=f"{row['framework']}/{row['variant']}", images_per_step=images, flops_per_step=flop,
               images_per_second=images / secs, seconds_per_epoch=EPOCH / images * secs,
               flops_per_second=flop / secs, floor_flops=floor, fraction_of_floor=flop / floor / secs)
    if "conventional_step_seconds" in row:
        out["conventional_images_per_second"] = images / row["conventional_step_seconds"]
        out["speedup_vs_conventional"] = row["conventional_step_seconds"] / secs
    if "eager_step_seconds" in row:
        out["eager_images_per_second"] = images / row["eager_step_seconds"]
        out["graph_speedup"] = row["eager_step_seconds"] / secs
    if "default_adam_step_seconds" in row:
        out["fused_adam_speedup"] = row["default_adam_step_seconds"] / secs
    if "nchw_step_seconds" in row:
        out["channels_last_speedup"] = row["nchw_step_seconds"] / secs
    for name, lever in (timing.lever_configs(cfg) | {"bf16": cfg}).items():  # per image: a lever may change the batch
        if f"{name}_step_seconds" in row:
            lever_images = lever.k_steps * lever.batch_size
            out[f"{name}_speedup"] = secs / images / (row[f"{name}_step_seconds"] / lever_images)
    if "matmul_kernel_seconds" in row:  # PyTorch on CPU: the profiled step (timing.profile_step)
        kernels, profiled = row["matmul_kernel_seconds"], row["profiled_step_seconds"]
        out |= dict(matmul_kernel_share=kernels / profiled, adam_share=row["adam_seconds"] / profiled,
                    kernels_fraction_of_floor=flop / floor / kernels)
    if "xla_step_seconds" in row:
        out["xla_images_per_second"] = images / row["xla_step_seconds"]
        out["xla_speedup"] = row["function_step_seconds"] / row["xla_step_seconds"]
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def markdown_table(report: dict) -> str:
    """The README table of a report: one row per model, then the run's conditions."""

    def fmt(x, spec):
        return "—" if x is None else format(x, spec)

    graphs = any("graph_speedup" in r for r in report["results"])
    lines = ["| model | device | images/s | s/epoch | GFLOP/iter | GFLOP/s | floor GFLOP/s | of floor "
             "| conventional images/s "
             "| ours/conventional | " + ("eager images/s | CUDA graph/eager |" if graphs else
                                         "XLA images/s | XLA/tf.function |"), "|" + "---|" * 12]
    for r in report["results"]:
        xla = "failed" if "xla_error" in r else fmt(r.get("xla_images_per_second"), ",.0f")
        cells = [r["model"], r["device"], f"{r['images_per_second']:,.0f}", f"{r['seconds_per_epoch']:.2f}",
                 f"{r['flops_per_step'] / 1e9:.2f}", f"{r['flops_per_second'] / 1e9:.1f}",
                 f"{r.get('floor_flops', report['floor_flops']) / 1e9:.1f}",
                 f"{r['fraction_of_floor']:.1%}", fmt(r.get("conventional_images_per_second"), ",.0f"),
                 fmt(r.get("speedup_vs_conventional"), ".2f")]
        cells += ([fmt(r.get("eager_images_per_second"), ",.0f"), fmt(r.get("graph_speedup"), ".2f")] if graphs else
                  [xla + (" (used)" if r.get("xla") else ""), fmt(r.get("xla_speedup"), ".2f")])
        lines.append("| " + " | ".join(cells) + " |")
    choices = [r for r in report["results"] if "fused_adam_speedup" in r]
    if choices:
        lines += ["", "PyTorch's CPU choices, each against its alternative (ratio of seconds per iteration; above 1 "
                      "means the package's choice is faster):", "",
                  "| model | fused Adam / PyTorch's default Adam | channels-last / NCHW |", "|---|---|---|"]
        lines += [f"| {r['model']} | {r['fused_adam_speedup']:.2f} | {fmt(r.get('channels_last_speedup'), '.2f')} |"
                  for r in choices]
    levers = [name for name in LEVER_TITLES if any(f"{name}_speedup" in r for r in report["results"])]
    if levers:
        lines += ["", "Levers toward the CPU tier's hour that no preset uses, each against the preset's step (ratio of "
                      "seconds per training image; above 1 means the lever is faster; speed only, their quality is "
                      "the search's to measure):", "",
                  "| model | " + " | ".join(LEVER_TITLES[name] for name in levers) + " |",
                  "|---" * (len(levers) + 1) + "|"]
        lines += [f"| {r['model']} | " + " | ".join(fmt(r.get(f"{name}_speedup"), ".2f") for name in levers) + " |"
                  for r in report["results"] if any(f"{name}_speedup" in r for name in levers)]
    profiled = [r for r in report["results"] if "kernels_fraction_of_floor" in r]
    if profiled:
        lines += ["", "Where PyTorch's CPU step spends its time (`torch.profiler`, one more block of iterations; shares "
                      "of the profiled step), and the counted FLOPs over the time of the matmul-type kernels alone as "
                      "a fraction of the floor: what *of floor* would be if everything else took no time:", "",
                  "| model | matmul-type kernels | Adam | the rest | kernels alone, of floor | kernels alone, of PyTorch's "
                  "own 2048x2048 rate |", "|---|---|---|---|---|---|"]

        def own(r):  # the unscaled floor
            return r["matmul_flops_per_call"] / r["matmul_step_seconds"]

        lines += [f"| {r['model']} | {r['matmul_kernel_share']:.0%} | {r['adam_share']:.0%} | "
                  f"{1 - r['matmul_kernel_share'] - r['adam_share']:.0%} | {r['kernels_fraction_of_floor']:.1%} | "
                  f"{r['kernels_fraction_of_floor'] * r['floor_flops'] / own(r):.1%} |" for r in profiled]
    fw = report["frameworks"]
    rates = ", ".join(f"{name} {info['matmul_flops'] / 1e9:,.1f} GFLOP/s" for name, info in fw.items())
    versions = ", ".join(f"{name} {info['version']}" for name, info in fw.items())
    lines += ["", f"Floor: the float32 {report['matmul_n']}x{report['matmul_n']} matmul rate; best in this run "
                  f"{report['floor_flops'] / 1e9:,.1f} GFLOP/s ({rates}). "
                  f"{report['iters']} timed iterations after {report['warmup']} warm-up per model, on "
                  f"{report['machine']}; {versions}; commit {report['commit']}, {report['date']}."]
    lines += [f"\nXLA failed for {r['model']}: `{r['xla_error']}`" for r in report["results"] if "xla_error" in r]
    return "\n".join(lines)


def update_readme(report: dict, source: Path, readme: Path = HERE / "README.md") -> None:
    """Regenerate the section between the bench-table markers of ``readme`` from ``report`` (read from ``source``):
    the GPU section for a report measured on CUDA, else the CPU one."""
    text = readme.read_text()
    start, end = MARKERS[any(r["device"].startswith("cuda") for r in report["results"])]
    if start not in text or end not in text:
        sys.exit(f"{readme} has no {start} ... {end} section to fill")
    table = (f"{markdown_table(report)}\n\nGenerated by `python benchmarks/run.py` "
             f"(from `{_shown(source)}`).")
    readme.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{table}\n{end}",
                             text, flags=re.S))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return str(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iters", type=int, default=100, help="timed training iterations per model (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first (default 10, at least 1)")
    parser.add_argument("--models", nargs="+", default=list(FRAMEWORKS),
                        help="FRAMEWORK/VARIANT, FRAMEWORK or VARIANT (default: all eight models)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="the JSON written (and read)")
    parser.add_argument("--no-readme", action="store_true", help="do not regenerate the table in README.md")
    parser.add_argument("--table-only", action="store_true", help="only regenerate the README table from --out")
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)  # internal: one framework's process
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 1:
        parser.error("--iters and --warmup must be at least 1")
    if args.child:
        return child(args.child, args.models, args.iters, args.warmup, args.out)
    if args.table_only:
        report = json.loads(args.out.read_text())
        update_readme(report, args.out)
        return print(markdown_table(report))

    models = parse_models(args.models)
    children = {fw: run_child(fw, [v for f, v in models if f == fw], args.iters, args.warmup)
                for fw in FRAMEWORKS if any(f == fw for f, _ in models)}
    floor = max(c["info"]["matmul_flops"] for c in children.values())
    results = [derive(row, floor / c["info"]["matmul_flops"]) for c in children.values() for row in c["rows"]]
    results.sort(key=lambda r: (list(PRESETS).index(r["variant"]), FRAMEWORKS.index(r["framework"])))
    report = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  commit=runs.git_commit(), machine=machine(), python=platform.python_version(), iters=args.iters,
                  warmup=args.warmup, matmul_n=timing.MATMUL_N, floor_flops=floor,
                  frameworks={fw: c["info"] for fw, c in children.items()}, results=results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    runs.write_json(args.out, report)
    print(markdown_table(report))
    print(f"\nwrote {args.out}")
    if not args.no_readme:
        update_readme(report, args.out)
        print(f"regenerated the table in {HERE / 'README.md'}")


if __name__ == "__main__":
    main()
