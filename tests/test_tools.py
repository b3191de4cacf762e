"""The study's tools (tools/): contradictory flags are refused in one line, and README's Fashion-MNIST section says
what is missing instead of an empty table."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_study_refuses_fashion_mnist_in_the_notebooks():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_study.py"), "--dataset", "fashion-mnist"],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip() == ("error: --dataset fashion-mnist needs --headless: the notebooks and their "
                                     "figures are MNIST's")


@pytest.mark.parametrize("flags, message", [
    (["--tier", "gpu"], "error: --tier gpu needs --headless: the notebooks train the CPU study's presets"),
    (["--jobs", "2"], "error: --jobs 2: give a positive number, and more than 1 only with --headless (notebooks run "
                      "one at a time)"),
    (["--jobs", "0", "--headless"], "error: --jobs 0: give a positive number"),
])
def test_run_study_refuses_contradictory_flags(flags, message):
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_study.py"), *flags], capture_output=True,
                            text=True)
    assert result.returncode != 0 and result.stderr.strip().startswith(message)


def test_run_study_refuses_the_gpu_tier_without_a_gpu(monkeypatch, capsys):
    study = load_tool("run_study")
    monkeypatch.setattr(study, "has_gpu", lambda: False)
    monkeypatch.setattr(sys, "argv", ["run_study.py", "--tier", "gpu", "--headless"])
    with pytest.raises(SystemExit, match="PyTorch sees no CUDA GPU here: run it on a machine with one, or add "
                                         "--allow-cpu"):
        study.main()


def test_run_study_trains_this_checkout_even_with_another_on_the_path(monkeypatch):
    """A worktree sharing a venv with an editable install of another checkout: the study's own imports, and every
    run and kernel it starts (through PYTHONPATH), must come from the checkout the script is in."""
    monkeypatch.setattr(sys, "path", ["/another/checkout", *sys.path])
    monkeypatch.setenv("PYTHONPATH", "/another/checkout")
    study = load_tool("run_study")
    assert sys.path[0] == str(ROOT)
    monkeypatch.setattr(sys, "argv", ["run_study.py", "--seeds", "0"])
    with pytest.raises(SystemExit):
        study.main()
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/another/checkout"]


def test_fashion_section_without_records_says_how_to_make_them(tmp_path, monkeypatch):
    table = load_tool("results_table")
    monkeypatch.setattr(table, "FASHION_DIR", tmp_path)
    assert table.fashion_section({}).startswith("Not run yet at the current presets: `make fashion`")


def test_gpu_tier_line_says_whether_the_tier_has_run():
    from gans_common.config import make_config
    table = load_tool("results_table")
    assert table.gpu_tier_line({}) == "- not run yet: it needs a machine with a GPU\n"
    cpu = dict(config=make_config("dcgan").to_dict(), framework="pytorch", device="cpu", wall_seconds=60.0)
    gpu = dict(config=make_config("dcgan", tier="gpu").to_dict(), framework="pytorch",
               device="cuda (NVIDIA H200)", wall_seconds=120.0)
    seeds = {("dcgan", "pytorch"): [cpu] + [gpu | dict(config=gpu["config"] | dict(seed=s)) for s in range(3)]}
    assert table.gpu_tier_line(seeds) == "- 3 runs of 1 models on H200, 6 min of training in all\n"


def test_run_study_runs_headless_models_through_the_pool_and_stops_at_a_failure(monkeypatch, capsys):
    study = load_tool("run_study")
    calls = []

    def fake_run(framework, variant, seed, results_dir, epochs_scale, dataset, tier, quiet):
        calls.append((seed, framework, variant, tier, quiet))
        if (seed, variant) == (1, "wgan_gp"):
            raise RuntimeError("pytorch/wgan_gp seed 1 failed (exit 2):\nerror: disk full")
        return ""
    monkeypatch.setattr(study, "run_headless", fake_run)
    monkeypatch.delenv("GANS_SMOKE", raising=False)  # conftest's smoke mode: the study refuses it
    monkeypatch.setattr(study.subprocess, "run", lambda *a, **k: None)  # the data fetch
    monkeypatch.setattr(sys, "argv", ["run_study.py", "--headless", "--seeds", "2", "--frameworks", "pytorch",
                                      "--variants", "dcgan", "wgan_gp", "--jobs", "1"])
    with pytest.raises(SystemExit, match="error: pytorch/wgan_gp seed 1 failed"):
        study.main()
    assert calls == [(0, "pytorch", "dcgan", "cpu", False), (0, "pytorch", "wgan_gp", "cpu", False),
                     (1, "pytorch", "dcgan", "cpu", False), (1, "pytorch", "wgan_gp", "cpu", False)]
    calls.clear()
    monkeypatch.setattr(sys, "argv", ["run_study.py", "--headless", "--seeds", "1", "--frameworks", "pytorch",
                                      "--jobs", "3"])
    study.main()
    assert sorted(c[2] for c in calls) == ["dcgan", "lsgan", "vanilla", "wgan_gp"] and all(c[4] for c in calls)


def test_one_seed_minutes_needs_all_eight_models():
    from gans_common.config import make_config
    table = load_tool("results_table")
    record = dict(config=make_config("dcgan").to_dict(), framework="pytorch", device="cpu", wall_seconds=600.0)
    assert table.one_seed_minutes({("dcgan", "pytorch"): [record], ("dcgan", "tensorflow"): []}) == ""
    assert table.one_seed_minutes({("dcgan", "pytorch"): [record], ("dcgan", "tensorflow"): [record]}) == \
        "; one seed of all eight: 20 min (seed 0) of training on cpu"
    faster = dict(record, config=make_config("dcgan", seed=1).to_dict(), wall_seconds=300.0)
    assert table.one_seed_minutes({("dcgan", "pytorch"): [record, faster], ("dcgan", "tensorflow"): [record]}) == \
        "; one seed of all eight: 20 min (seed 0) of training on cpu"  # seed 1 lacks a model
    assert table.one_seed_minutes({("dcgan", "pytorch"): [record, faster],
                                   ("dcgan", "tensorflow"): [record, faster]}) == \
        "; one seed of all eight: 20 min (seed 0), 10 min (seed 1) of training on cpu"


def test_seed_lists_name_the_rows_with_other_seeds():
    table = load_tool("results_table")

    def runs(*seeds):
        return [dict(config=dict(seed=s)) for s in seeds]
    assert table.seed_lists({}) == "seeds []"
    seeds = {("vanilla", "pytorch"): runs(0, 1, 2), ("vanilla", "tensorflow"): runs(0, 1, 2),
             ("lsgan", "pytorch"): runs(0, 1, 2)}
    assert table.seed_lists(seeds) == "seeds [0, 1, 2]"
    seeds |= {("dcgan", "pytorch"): runs(0, 1, 2, 3, 4), ("dcgan", "tensorflow"): runs(3, 4, 0, 1, 2)}
    assert table.seed_lists(seeds) == "seeds [0, 1, 2] (dcgan: [0, 1, 2, 3, 4])"


def test_calibration_lines_come_from_the_record_or_say_how_to_make_it(tmp_path, monkeypatch):
    from gans_common.runs import write_json
    from gans_study import calibration
    table = load_tool("results_table")
    monkeypatch.setattr(table, "ROOT", tmp_path)
    monkeypatch.setattr(calibration, "record_path", lambda dataset="mnist": tmp_path / "results" / f"{dataset}.json")
    assert table.calibration_lines() == "- not run yet: `python -m gans_study.calibration`\n"
    metrics = {"fid": 2.9, "precision": 0.87, "recall": 0.88}
    (tmp_path / "results").mkdir()
    write_json(tmp_path / "results" / "mnist.json", dict(
        command="python -m gans_study.calibration", seed=0, n_images=10000, commit="abc", device="cpu",
        rows=[dict(name="real digits", kind="none", params={}, metrics=metrics),
              dict(name="blur", kind="blur", params={"sigma": 0.5}, metrics=metrics | {"precision": 0.92})]))
    assert table.calibration_lines().splitlines()[:3] == [
        "- real digits: FID 2.9, precision 0.87, recall 0.88", "- blur: FID 2.9, precision 0.92, recall 0.88",
        "- blur against real digits: precision 0.87 -> 0.92 (higher), recall 0.88 -> 0.88"]
    assert "(`python -m gans_study.calibration`, seed 0, 10000 images, commit abc, cpu; record " \
           "`results/mnist.json`.)" in table.calibration_lines()


def test_truncation_lines_come_from_the_records_mark_earlier_presets_or_say_how_to_make_them(tmp_path, monkeypatch):
    from gans_common.config import make_config
    from gans_common.runs import write_json
    table = load_tool("results_table")
    monkeypatch.setattr(table, "ROOT", tmp_path)
    folder = tmp_path / "results" / "truncation"
    assert table.truncation_lines(folder) == "- not run yet: `python -m gans_study.truncation RUN_DIR`\n"
    metrics = {"fid": 10.04, "precision": 0.646, "recall": 0.879}
    folder.mkdir(parents=True)
    for name, config in (("pytorch_dcgan_seed2_20ep", make_config("dcgan", seed=2, epochs=20)),
                         ("tensorflow_dcgan_seed0_40ep", make_config("dcgan", epochs=40, width=32))):
        write_json(folder / f"{name}.json", dict(
            framework=name.split("_")[0], config=config.to_dict(), commit="abc", device="cpu (x86_64)",
            rows=[dict(threshold=None, metrics=metrics), dict(threshold=1.5, metrics=metrics | {"precision": 0.7})]))
    assert table.truncation_lines(folder).splitlines() == [
        "- dcgan · PyTorch, seed 2, 20 epochs: no truncation: FID 10.0, precision 0.65, recall 0.88; |z| <= 1.5: FID "
        "10.0, precision 0.70, recall 0.88",
        "- dcgan · TensorFlow, seed 0, 40 epochs: no truncation: FID 10.0, precision 0.65, recall 0.88; |z| <= 1.5: "
        "FID 10.0, precision 0.70, recall 0.88 (an earlier preset)", "",
        "(10k samples per row, test reference; commit abc, cpu (x86_64); records in `results/truncation/`.)"]


def test_paired_twins_trains_both_from_one_start_and_records_both_scores(tmp_path):
    out = tmp_path / "paired.json"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "paired_twins.py"), "--variant", "dcgan", "--seeds",
                             "0", "1", "--epochs", "1", "--subset", "512", "--n-eval", "500", "--out", str(out)],
                            capture_output=True, text=True, env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(out.read_text())
    assert record["command"].startswith("python tools/paired_twins.py --variant dcgan")
    assert record["config"]["variant"] == "dcgan" and record["config"]["epochs"] == 1
    assert " / " in record["device"]  # PyTorch's / TensorFlow's
    for seed in ("0", "1"):
        (row,) = record["seeds"][seed]
        assert row["epoch"] == 1
        assert 0 < row["g_drift"] < 100  # round-off parts the runs (Adam's first step amplifies it), but they ran
        assert all(np.isfinite(row[fw]["fid"]) for fw in ("pytorch", "tensorflow"))
    assert record["seeds"]["0"][0]["pytorch"] != record["seeds"]["1"][0]["pytorch"]  # the seed reaches the run
    assert "pytorch: FID" in result.stdout and "tensorflow: FID" in result.stdout


def test_paired_lines_come_from_the_records_or_say_how_to_make_them(tmp_path, monkeypatch):
    from gans_common.runs import write_json
    table = load_tool("results_table")
    monkeypatch.setattr(table, "ROOT", tmp_path)
    folder = tmp_path / "results" / "twins"
    assert table.paired_lines(folder) == "- not run yet: `python tools/paired_twins.py`\n"
    folder.mkdir(parents=True)

    def row(epoch, fid_pt, fid_tf, drift):
        return dict(epoch=epoch, seconds=1.0, g_drift=drift, pytorch=dict(fid=fid_pt, precision=0.71, recall=0.8),
                    tensorflow=dict(fid=fid_tf, precision=0.70, recall=0.8))
    write_json(folder / "paired_dcgan.json", dict(
        command="python tools/paired_twins.py --variant dcgan", commit="abc", device="cpu", n_eval=10000,
        reference="test", config=dict(variant="dcgan"),
        seeds={"0": [row(2, 90.0, 80.0, 0.1), row(10, 6.0, 7.0, 1.5)], "1": [row(10, 5.0, 5.5, 0.5)]}))
    lines = table.paired_lines(folder).splitlines()
    assert lines[0] == ("- dcgan, seeds [0, 1] at 10 epochs: FID PyTorch 5.5 ± 0.7, TensorFlow 6.2 ± 1.1 (TensorFlow "
                        "- PyTorch by seed: +1.0, +0.5); precision 0.710 ± 0.000 / 0.700 ± 0.000; the two G's apart "
                        "at the end (round-off, grown by training): their largest difference 0.5 to 1.5 times the "
                        "tensor's largest weight")
    assert lines[2] == ("(10k samples, test reference; `python tools/paired_twins.py --variant dcgan`; commit abc, "
                        "cpu; records in `results/twins/`.)")
