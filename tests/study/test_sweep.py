"""The stability sweep and its summaries: grid expansion, resuming, one run's record, mean ± std, finding text.

No framework and no subprocess here: a fake launcher stands in for the workers and a numpy fake trainer for the
frameworks' ``Trainer``, so these tests take seconds.
"""
import dataclasses
import json
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gans_common import runs
from gans_study import stability, sweep
from gans_common.config import make_config, recipe_config
from gans_common.mnist import load_mnist

MLP_FACTORS = ("k_steps", "loss", "real_label", "lr_ratio", "batch_size")


# ---------------------------------------------------------------------------------------------------- the grid
def test_default_grid_expands_to_the_expected_points():
    points = sweep.expand("default")
    by_name = {p.name: p for p in points}
    assert len(by_name) == len(points) == 39  # (1 base + 8 MLP values + 1 base + 1 DCGAN value) x 3 seeds + TF bases
    assert sum(p.framework == "pytorch" for p in points) == 33
    assert {n for n, p in by_name.items() if p.framework == "tensorflow"} == {
        f"base-{b}_tensorflow_seed{s}" for b in ("mlp", "dcgan") for s in range(3)}
    base = by_name["base-mlp_pytorch_seed1"].config
    assert base == recipe_config("vanilla", train_subset=30000, epochs=3, seed=1)
    assert by_name["base-dcgan_pytorch_seed1"].config == recipe_config("dcgan", train_subset=12000, epochs=2, seed=1)
    expected = {"k_steps-2": dict(k_steps=2), "k_steps-5": dict(k_steps=5), "loss-saturating": dict(loss="saturating"),
                "real_label-0.9": dict(real_label=0.9), "lr_ratio-2": dict(lr_d=4e-4), "lr_ratio-4": dict(lr_d=8e-4),
                "batch_size-32": dict(batch_size=32), "batch_size-256": dict(batch_size=256)}
    for tag, change in expected.items():  # each point changes its factor and nothing else
        assert by_name[f"{tag}_pytorch_seed1"].config == base.replace(**change), tag
    dcgan = by_name["base-dcgan_pytorch_seed0"].config
    assert by_name["d_norm-none_pytorch_seed0"].config == dcgan.replace(d_norm="none")
    assert by_name["base-mlp_pytorch_seed0"].eval_epochs == (1, 2, 3)
    assert by_name["base-dcgan_pytorch_seed0"].eval_epochs == (1, 2)
    assert [p.seed for p in points] == sorted(p.seed for p in points)  # seed by seed


def test_other_grids_and_selections():
    full = sweep.expand("full")
    assert len(full) == 5 * 2 * 11 and all(p.config.train_subset == 0 for p in full)
    assert {p.eval_epochs for p in full} == {(1, 2, 5, 10, 15, 20), (1, 2, 5)}
    assert len(sweep.expand("default", seeds=1, frameworks=("pytorch",))) == 11
    assert [p.name for p in sweep.expand("smoke")] == ["base-mlp_pytorch_seed0", "loss-saturating_pytorch_seed0",
                                                       "base-mlp_tensorflow_seed0"]
    with pytest.raises(sweep.SweepError, match="jax"):
        sweep.expand("default", frameworks=("jax",))


def test_default_budget_fits_40_minutes_on_2_cores():
    minutes = sweep.estimate_seconds(sweep.expand("default")) / 60
    assert 5 < minutes < 40
    assert "estimated" in sweep.describe("default")


# --------------------------------------------------------------------------------------------------- resuming
def fake_launcher(calls):
    def launch(framework, points, records, scratch, on_line):
        calls.append((framework, [p.name for p in points]))
        for p in points:
            runs.write_json(sweep.record_path(records, p), dict(name=p.name, config=p.config.to_dict()))
            on_line("DONE", p.name)
        return []
    return launch


def test_a_recorded_point_is_skipped(tmp_path):
    grid = sweep.GRIDS["smoke"]
    first = sweep.expand(grid, seeds=2)[0]
    tmp_path.joinpath("records").mkdir()
    runs.write_json(sweep.record_path(tmp_path / "records", first), dict(config=first.config.to_dict()))
    calls = []
    sweep.run(grid, seeds=2, records=tmp_path / "records", scratch=tmp_path / "runs", progress=False,
              launch=fake_launcher(calls))
    assert [fw for fw, _ in calls] == ["pytorch", "tensorflow"]  # one launch (subprocess) per framework
    launched = [n for _, names in calls for n in names]
    assert first.name not in launched and len(launched) == 5
    calls.clear()
    sweep.run(grid, seeds=2, records=tmp_path / "records", scratch=tmp_path / "runs", progress=False,
              launch=fake_launcher(calls))
    assert calls == []  # everything recorded: nothing runs


def test_a_record_of_another_grid_is_an_error_and_failures_are_named(tmp_path):
    point = sweep.expand("smoke")[0]
    runs.write_json(sweep.record_path(tmp_path, point), dict(config=point.config.replace(epochs=7).to_dict()))
    with pytest.raises(sweep.SweepError, match="another config"):
        sweep.pending([point], tmp_path)

    def failing(framework, points, records, scratch, on_line):
        return [p.name for p in points]
    with pytest.raises(sweep.SweepError, match="loss-saturating_pytorch_seed0"):
        sweep.run("smoke", frameworks=("pytorch",), records=tmp_path / "r", scratch=tmp_path / "s", progress=False,
                  launch=failing)


def test_point_round_trips_through_the_worker_spec():
    for p in sweep.expand("default", seeds=1):
        assert sweep.Point.from_dict(json.loads(json.dumps(p.to_dict()))) == p


# ------------------------------------------------------------------------------------------------- one run
class FakeTrainer:
    """The loop's trainer protocol in numpy: every sample is the same real digit (a collapsed generator)."""
    framework, device = "fake", "cpu"

    def __init__(self, cfg, images, nan_at_step=None):
        self.n_images, self.steps, self.nan_at_step = len(images), 0, nan_at_step
        self.image = images[0].astype(np.float32) / 127.5 - 1

    def start_epoch(self, perm):
        pass

    def train_step(self, i):
        self.steps += 1
        return np.array([math.nan if self.steps == self.nan_at_step else 0.6, 0.8])

    def to_numpy(self, losses):
        return np.stack(losses)

    def generate(self, z):
        return np.repeat(self.image[None], len(z), axis=0)

    def weights_finite(self):
        return True

    def save(self, folder):
        np.save(f"{folder}/steps.npy", self.steps)

    def load(self, folder):
        self.steps = int(np.load(f"{folder}/steps.npy"))


@pytest.fixture(scope="module")
def mnist_part():
    images, labels = load_mnist("train")
    return images[:256], labels[:256]


def tiny_point():
    point = sweep.expand("smoke")[0]
    return dataclasses.replace(point, config=point.config.replace(train_subset=128, epochs=2), n_eval=200,
                               eval_epochs=(1, 2))


def test_run_point_scores_each_epoch_and_marks_collapse(mnist_part, tmp_path):
    record = sweep.run_point(tiny_point(), *mnist_part, FakeTrainer, tmp_path)
    assert [c["epoch"] for c in record["checkpoints"]] == [1, 2]
    assert [c["generator_steps"] for c in record["checkpoints"]] == [2, 4]  # 128 images / batch 64 per epoch
    assert record["final"]["digits_covered"] == 1 and record["collapsed"] is True and record["diverged"] is False
    assert record["config"]["seed"] == 0 and record["n_eval"] == 200 and record["wall_seconds"] > 0
    assert not (tmp_path / tiny_point().name).exists()  # checkpoints are not kept
    runs.write_json(tmp_path / "r.json", record)  # plain JSON


def test_run_point_records_divergence(mnist_part, tmp_path):

    def make(cfg, images):
        return FakeTrainer(cfg, images, nan_at_step=3)  # in the second epoch

    record = sweep.run_point(tiny_point(), *mnist_part, make, tmp_path)
    assert record["diverged"] is True and "diverged at generator step 3" in record["divergence"]
    assert record["final"] is None and record["collapsed"] is None
    assert [c["epoch"] for c in record["checkpoints"]] == [1]


# ------------------------------------------------------------------------------------------ summary, findings
def rec(factor, value, fid, digits=10, seed=0, diverged=False, framework="pytorch", base="mlp"):
    final = None if diverged else dict(fid=fid, digits_covered=digits)
    return dict(name=f"{factor}-{value}_{framework}_seed{seed}", factor=factor, value=value, base=base,
                framework=framework, seed=seed, diverged=diverged, collapsed=None if diverged else digits < 8,
                final=final, n_eval=2000, checkpoints=[] if diverged else [dict(epoch=1, fid=2 * fid),
                                                                           dict(epoch=2, fid=fid)])


def loss_records():
    return ([rec("base", None, f, seed=s) for s, f in enumerate((90, 100, 95))]
            + [rec("loss", "saturating", f, d, seed=s) for s, (f, d) in enumerate(((310, 9), (430, 3), (190, 5)))])


def test_summary_mean_std_and_counts():
    s = stability.summarise(loss_records()[3:])
    assert (s["n"], s["n_scored"], s["n_collapsed"], s["n_diverged"]) == (3, 3, 2, 0)
    assert s["fid"] == pytest.approx(310) and s["fid_std"] == pytest.approx(120)
    assert s["digits"] == pytest.approx(17 / 3)
    s = stability.summarise([rec("loss", "saturating", 50, seed=0), rec("loss", "saturating", 0, diverged=True)])
    assert (s["n"], s["n_scored"], s["n_diverged"], s["n_collapsed"]) == (2, 1, 1, 0)
    assert (s["fid"], s["fid_std"]) == (50, 0)  # one scored run: no spread; the diverged one is counted, not scored
    assert stability.pm(*stability.mean_std([])) == "–"
    assert stability.pm(95, 5) == "95.0 ± 5.0" and stability.pm(310, 120) == "310 ± 120"


def test_base_runs_stand_for_the_base_value_of_their_factors():
    records = loss_records() + [rec("base", None, 40, base="dcgan"), rec("d_norm", "none", 60, base="dcgan")]
    for factor in MLP_FACTORS:
        by_value = stability.runs_by_value(records, factor)
        assert len(by_value[sweep.FACTOR_BY_NAME[factor].base_value]) == 3
    assert stability.runs_by_value(records, "loss")["saturating"] == records[3:6]
    assert [r["final"]["fid"] for r in stability.runs_by_value(records, "d_norm")["batch"]] == [40]
    assert stability.runs_by_value(records, "loss", "tensorflow") == {}


def test_finding_text_from_the_numbers():
    text = stability.finding(loss_records(), "loss")
    assert text.startswith("G loss: FID non-saturating 95.0 ± 5.0 vs saturating 310 ± 120; "
                           "digits covered 10.0 ± 0.0 vs 5.7 ± 3.1; collapsed 0/3 vs 2/3; diverged 0/3 vs 0/3. ")
    assert "Best: non-saturating, which agrees with the folk tip" in text


def test_findings_that_contradict_the_folk_tip_are_reported_as_found():
    records = ([rec("base", None, f, seed=s) for s, f in enumerate((50, 52, 54))]
               + [rec("real_label", 0.9, f, seed=s) for s, f in enumerate((80, 85, 90))])
    assert "Best: real label 1.0, which contradicts the folk tip" in stability.finding(records, "real_label")
    records = ([rec("base", None, f, seed=s) for s, f in enumerate((50, 70, 60))]
               + [rec("lr_ratio", 2, f, seed=s) for s, f in enumerate((55, 75, 65))])
    assert ("Best: lr D:G 1:1, which does not support the folk tip (lr D:G 2:1 is within the seed spread)"
            in stability.finding(records, "lr_ratio"))
    records = [rec("base", None, 50), rec("k_steps", 5, 40, diverged=True)]
    assert "Best: k=1, which agrees" in stability.finding(records, "k_steps")  # diverging is worse than any FID
    records = [rec("base", None, 50), rec("loss", "saturating", 40)]  # one seed each: no spread to judge by
    assert ("Best: saturating, which does not support the folk tip (too few seeds to tell it from non-saturating)"
            in stability.finding(records, "loss"))


def test_findings_table_and_framework_line():
    records = loss_records() + [rec("base", None, 120, seed=s, framework="tensorflow") for s in range(3)]
    table = stability.findings_table(records)
    assert table == stability.findings_table(list(reversed(records)))  # depends on the records, not their order
    lines = table.splitlines()
    assert lines[0].split() == ["factor", "value", "framework", "FID", "digits", "covered", "collapsed", "diverged"]
    assert len(lines) == 2 + 3 + 1  # header, rule, the loss factor's rows (only varied factors), footnote
    assert "non-saturating (base)  TensorFlow  120 ± 0" in table and "2/3" in table
    line = stability.framework_finding(records)
    assert line.startswith("base mlp: PyTorch FID 95.0 ± 5.0") and "TensorFlow FID 120 ± 0" in line
    assert line.endswith("differ by more than the seed spread")


def test_factor_figure_draws_four_panels():
    fig = stability.factor_figure(loss_records() + [rec("base", None, 120, framework="tensorflow")], "loss")
    assert len(fig.axes) == 4
    plt.close(fig)
