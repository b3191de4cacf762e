"""Run records, their published copies, and the pictures made from them."""
import json

import numpy as np
import pytest

from gans_common import runs
from gans_study import compare, plots
from gans_study.results import load_result, load_twin, publish, result_seeds
from gans_study.stats import format_mean_std
from gans_common.config import make_config


def test_to_uint8_maps_tanh_range_to_bytes():
    x = np.array([-1.0, 0.0, 1.0, 1.5] + [0.0] * 780, np.float32).reshape(1, 1, 28, 28)
    out = plots.to_uint8(x)
    assert out.shape == (1, 28, 28) and out.dtype == np.uint8
    assert out.reshape(-1)[:4].tolist() == [0, 128, 255, 255]


def test_grid_tiles_images_in_rows():
    images = np.arange(12, dtype=np.uint8).reshape(12, 1, 1).repeat(28, 1).repeat(28, 2)
    g = plots.grid(images, nrow=5)
    assert g.shape == (3 * 30 + 2, 5 * 30 + 2)
    assert g[2, 2] == 0 and g[2 + 30, 2 + 30] == 6 and g[2 + 60, 2 + 30] == 11


def test_real_examples_are_ten_of_each_digit():
    labels = np.tile(np.arange(10), 20).astype(np.uint8)
    images = labels[:, None, None].repeat(28, 1).repeat(28, 2)
    ex = plots.real_examples(images, labels)
    assert ex.shape == (100, 28, 28) and ex[:, 0, 0].tolist() == sorted(ex[:, 0, 0].tolist())


def fake_run(tmp_path, framework="pytorch", variant="dcgan", epochs=None, seed=0, curve=(), **overrides):
    cfg = make_config(variant, epochs=epochs, seed=seed, **overrides)  # epochs None: the preset's
    epochs = cfg.epochs
    run_dir = runs.prepare_run_dir(tmp_path / f"run{seed}", cfg, resume=False)
    hist = {"step": list(range(1, 1201)), "d_loss": [1.0] * 1200, "g_loss": [2.0] * 1200}
    runs.save_checkpoint(run_dir, lambda folder: None, dict(epoch=epochs, step_in_epoch=0, history=hist))
    snaps = np.zeros((epochs, 100, 28, 28), np.uint8)
    np.savez_compressed(run_dir / "samples.npz", samples=snaps[-1], snapshots=snaps)
    runs.write_json(run_dir / "record.json", dict(framework=framework, device="cpu", config=cfg.to_dict(),
                                                  epochs=epochs, wall_seconds=90.0, epoch_seconds=[30.0] * epochs,
                                                  commit="abc", curve=list(curve)))
    return run_dir


def test_publish_thins_losses_and_keeps_ten_snapshots(tmp_path):
    path = publish(fake_run(tmp_path), tmp_path / "results", metrics={"fid": 1.5})
    record = json.loads(path.read_text())
    assert record["metrics"] == {"fid": 1.5} and len(record["losses"]["step"]) == 600
    rec, samples = load_result(tmp_path / "results", "pytorch", "dcgan")
    assert samples["samples"].shape == (100, 28, 28) and samples["snapshots"].shape == (make_config("dcgan").epochs, 10, 28, 28)
    assert load_result(tmp_path / "results", "tensorflow", "dcgan") is None


def test_comparison_names_the_notebooks_of_missing_runs(tmp_path):
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS | {"fid": 12.3})
    results = compare.load_all(tmp_path / "results")
    message = compare.missing_message(results)
    assert message.startswith("1 of 8 runs found") and "notebooks/tensorflow/dcgan.ipynb" in message
    table = compare.markdown_table(compare.load_seeds(tmp_path / "results"))
    # copies (px): "—" for a record from before the memorisation check
    n = make_config("dcgan").epochs
    assert f"| dcgan | PyTorch | cpu | 1 | 12.3 | 0.5 | 0.700 | 0.600 | 10.0 | 0.010 | — | {n} | 30.00 |" in table
    assert "| dcgan | TensorFlow | — | 0 | — |" in table
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS | {"fid": 12.3, "memorised_pixel": 0.004})
    table = compare.markdown_table(compare.load_seeds(tmp_path / "results"))
    assert f"| 10.0 | 0.010 | 0.004 | {n} | 30.00 |" in table


def test_a_run_of_an_older_preset_is_neither_a_twin_nor_in_the_comparison(tmp_path):
    """A notebook's side-by-side panel and the comparison grid show the other run only if it was trained with this
    run's config: after a preset changes, the committed runs of the old one are not comparable."""
    publish(fake_run(tmp_path, "tensorflow", extra_convs=0), tmp_path / "results", metrics=METRICS)  # an old preset
    assert load_result(tmp_path / "results", "tensorflow", "dcgan") is not None
    assert load_twin(tmp_path / "results", "tensorflow", make_config("dcgan")) is None
    assert compare.load_all(tmp_path / "results")[("dcgan", "tensorflow")] is None
    publish(fake_run(tmp_path / "now", "tensorflow"), tmp_path / "results", metrics=METRICS)  # today's preset
    twin = load_twin(tmp_path / "results", "tensorflow", make_config("dcgan"))
    assert twin is not None and twin[0]["config"]["extra_convs"] == make_config("dcgan").extra_convs
    assert load_twin(tmp_path / "results", "tensorflow", make_config("dcgan", digits=[0])) is None  # overridden
    assert compare.load_all(tmp_path / "results")[("dcgan", "tensorflow")] is not None
    fashion = publish(fake_run(tmp_path / "fashion", dataset="fashion-mnist"), tmp_path / "fashion", metrics=METRICS)
    assert compare.load_all(fashion.parent)[("dcgan", "pytorch")] is not None  # today's preset on its own dataset


def test_interpolation_strips_are_published_and_shown(tmp_path):
    strip = np.linspace(-1, 1, 80 * 784, dtype=np.float32).reshape(80, 1, 28, 28)
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS, interpolation=strip)
    _, arrays = load_result(tmp_path / "results", "pytorch", "dcgan")
    assert arrays["interpolation"].shape == (80, 28, 28) and arrays["interpolation"].dtype == np.uint8
    fig = compare.interpolation_figure(compare.load_all(tmp_path / "results"))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "vanilla · PyTorch" and len(fig.axes) == 8
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert len(texts) == 7 and all(t.startswith("no interpolation yet") for t in texts)


METRICS = {"fid": 12.3, "kid": 0.5, "precision": 0.7, "recall": 0.6, "digits_covered": 10, "kl_to_uniform": 0.01}


def test_table_gives_mean_and_sample_std_over_seeds(tmp_path):
    for seed, fid in ((0, 10.0), (1, 12.0), (2, 14.0)):
        publish(fake_run(tmp_path, seed=seed), tmp_path / "results", metrics=METRICS | {"fid": fid})
    assert result_seeds(tmp_path / "results", "pytorch", "dcgan") == [0, 1, 2]
    assert format_mean_std([10.0, 12.0, 14.0], "{:.1f}") == "12.0 ± 2.0"
    table = compare.markdown_table(compare.load_seeds(tmp_path / "results"))
    assert "| dcgan | PyTorch | cpu | 3 | 12.0 ± 2.0 | 0.5 ± 0.0 |" in table


def test_seeds_on_another_device_get_their_own_row(tmp_path):
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS)
    gpu = publish(fake_run(tmp_path, seed=1), tmp_path / "results" / "gpu", metrics=METRICS)
    record = json.loads(gpu.read_text())
    runs.write_json(gpu, record | {"device": "cuda (NVIDIA H100 80GB HBM3)"})
    seeds = compare.load_seeds(tmp_path / "results")
    assert len(seeds[("dcgan", "pytorch")]) == 2
    assert sorted(compare.by_device(seeds)) == [("dcgan", "pytorch", "H100 80GB HBM3"), ("dcgan", "pytorch", "cpu")]


def test_gpu_tier_records_get_their_own_rows_and_stay_out_of_the_dataset_findings(tmp_path):
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS)
    gpu_preset = make_config("dcgan", tier="gpu")
    gpu = publish(fake_run(tmp_path / "gpu", seed=1, width=gpu_preset.width, epochs=gpu_preset.epochs),
                  tmp_path / "results" / "gpu", metrics=METRICS | {"fid": 5.0})
    runs.write_json(gpu, json.loads(gpu.read_text()) | {"device": "cuda (NVIDIA H200)"})
    seeds = compare.load_seeds(tmp_path / "results")
    assert [compare.tier_of(r) for r in seeds[("dcgan", "pytorch")]] == ["cpu", "gpu"]
    assert sorted(compare.by_device(seeds)) == [("dcgan", "pytorch", "H200, gpu tier"), ("dcgan", "pytorch", "cpu")]
    assert "| dcgan | PyTorch | H200, gpu tier | 1 | 5.0 |" in compare.markdown_table(seeds)
    assert [r["config"]["seed"] for r in compare.in_tier(seeds, "cpu")[("dcgan", "pytorch")]] == [0]
    wider = publish(fake_run(tmp_path / "wider", seed=2, width=gpu_preset.width), tmp_path / "results" / "gpu",
                    metrics=METRICS)  # the GPU tier's width at the CPU tier's epochs: neither tier's preset
    assert compare.tier_of(json.loads(wider.read_text())) is None


def test_records_of_other_settings_stay_out_of_the_table(tmp_path):
    publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS)
    longer = 2 * make_config("dcgan").epochs
    publish(fake_run(tmp_path / "longer", epochs=longer, seed=1), tmp_path / "results" / "budget", metrics=METRICS)
    seeds = compare.load_seeds(tmp_path / "results")
    assert [r["config"]["seed"] for r in seeds[("dcgan", "pytorch")]] == [0]
    assert not compare.is_preset(json.loads((tmp_path / "results" / "budget" / "pytorch_dcgan_seed1.json").read_text()))


def test_a_record_from_before_a_config_field_existed_is_not_todays_preset(tmp_path):
    """The presets gained an EMA of G (``ema_decay``) after records without that field were written: such a record
    was trained without it, so it is not the preset, however its missing field would be filled today."""
    assert make_config("dcgan").ema_decay != 0
    path = publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS)
    record = json.loads(path.read_text())
    assert compare.tier_of(record) == "cpu"
    old = record | {"config": {k: v for k, v in record["config"].items() if k != "ema_decay"}}
    assert compare.tier_of(old) is None


def test_longer_runs_report_the_curve_beyond_the_preset(tmp_path):
    n = make_config("dcgan").epochs
    preset = fake_run(tmp_path)  # dcgan's preset at 30 s/epoch (fake_run)
    publish(preset, tmp_path / "results", metrics=METRICS)
    curve = [dict(epoch=e, generator_steps=100 * e, train_seconds=10.0 * e, fid=f) for e, f in ((n - 1, 90.0),
             (n, 80.0), (n + n // 2, 70.0), (2 * n, 60.0))]
    publish(fake_run(tmp_path / "longer", epochs=2 * n, curve=curve), tmp_path / "results" / "budget",
            metrics=METRICS | {"precision": 0.8, "recall": 0.5})
    # a longer run of another config (an older preset) says nothing about this preset's curve
    other = fake_run(tmp_path / "other", epochs=2 * n, seed=1, curve=curve, lr_g=2e-4)
    publish(other, tmp_path / "results" / "budget", metrics=METRICS)
    seeds = compare.load_seeds(tmp_path / "results")
    (line,) = compare.longer_runs(tmp_path / "results" / "budget", seeds)
    assert line == (f"dcgan · PyTorch · cpu, seed 0: fid 80 at {n} -> 70 at {n + n // 2} -> 60 at {2 * n} epochs "
                    f"(-25% for 2.0x the preset's {n} epochs, +{n * 30 / 60:.1f} min of training at 30.0 s/epoch); "
                    f"its 10k samples: precision {METRICS['precision']:.2f} -> 0.80, recall {METRICS['recall']:.2f} "
                    "-> 0.50")


def test_within_minutes_reads_every_curve_at_the_epochs_an_hour_allows(tmp_path):
    n = make_config("dcgan").epochs
    curve = [dict(epoch=e, generator_steps=100 * e, train_seconds=30.0 * e, fid=f, precision=p)
             for e, f, p in ((n // 2 - n // 4, 50.0, 0.5), (n // 2 + n // 4, 30.0, 0.7), (n, 20.0, 0.8))]
    for seed in (0, 1):
        publish(fake_run(tmp_path, seed=seed, curve=curve), tmp_path / "results", metrics=METRICS)
    seeds = compare.load_seeds(tmp_path / "results")
    # one model at 30 s/epoch (fake_run): n/2 epochs take n/4 min, half-way between the first two curve points
    head, line = compare.within_minutes(seeds, minutes=n / 4)
    assert head == f"{n / 4:.0f} min for one seed of all 1 at their recorded 30 s per epoch together: " \
                   f"{n / 2:.1f} epochs each, against today's {n}"
    assert line == "dcgan · PyTorch · cpu: fid 20 -> 40, precision 0.80 -> 0.60"
    assert compare.within_minutes(seeds, minutes=n) == [f"{n:.0f} min for one seed of all 1 at their recorded 30 s "
                                                        f"per epoch together: {2 * n:.1f} epochs each, against "
                                                        f"today's {n}: the presets fit"]


def test_class_shares_give_the_rarest_and_commonest_digit_mean_over_seeds_and_of_single_seeds(tmp_path):
    even, skewed = [1000] * 10, [500] + [1000] * 8 + [1500]  # skewed: 5% zeros, 15% nines
    for seed, histogram in ((0, even), (1, skewed)):
        publish(fake_run(tmp_path, seed=seed), tmp_path / "results", metrics=METRICS | dict(histogram=histogram))
    seeds = compare.load_seeds(tmp_path / "results")
    assert compare.class_shares(seeds) == ["dcgan · PyTorch · cpu, mean over 2 seed(s): 7.5% (0s) to 12.5% (9s): "
                                           "inside 6% to 14%; single seeds 5.0% (0s) to 15.0% (9s)"]
    assert ": outside 8% to 12%;" in compare.class_shares(seeds, low=0.08, high=0.12)[0]


def test_curve_values_below_ten_keep_a_decimal():
    # a plateau near the floor must not read "5 -> 5" when it is 5.0 -> 4.7
    assert [compare._short(x) for x in (80.4, 10.0, 9.96, 5.04, 4.66)] == ["80", "10", "10.0", "5.0", "4.7"]


def test_spread_differences_compare_gap_with_seed_spread(tmp_path):
    for framework, fids in (("pytorch", (10.0, 12.0)), ("tensorflow", (20.0, 21.0))):
        for seed, fid in enumerate(fids):
            publish(fake_run(tmp_path / framework, framework, seed=seed), tmp_path / "results",
                         metrics=METRICS | {"fid": fid})
    (line,) = compare.spread_differences(compare.load_seeds(tmp_path / "results"))
    assert line.startswith("dcgan: PyTorch (cpu) 11.0 vs TensorFlow (cpu) 20.5 fid differ by more than")
    assert line.endswith("(9.5 vs 2.0)")


def test_curves_figure_draws_one_line_per_model_in_each_panel(tmp_path):
    curve = [dict(epoch=e, generator_steps=100 * e, train_seconds=10.0 * e, fid=50.0 / e) for e in (1, 2, 3)]
    for seed in (0, 1):
        publish(fake_run(tmp_path, seed=seed, curve=curve), tmp_path / "results", metrics=METRICS)
    fig = compare.curves_figure(compare.load_seeds(tmp_path / "results"))
    steps, secs = fig.axes
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    assert steps.get_lines()[0].get_xdata().tolist() == [100, 200, 300]
    assert secs.get_lines()[0].get_ydata().tolist() == [50.0, 25.0, 50.0 / 3]
    (line,) = compare.late_gains(compare.load_seeds(tmp_path / "results"))
    assert line == "dcgan · PyTorch · cpu: fid 25 -> 17 (-33%) over the last 33% of training"
    fig.canvas.draw()  # log axes: plain numbers, minor ticks labelled at 2 and 5 only
    minor = [t.get_text() for t in secs.xaxis.get_minorticklabels() if t.get_text()]
    assert minor and set(minor) <= {"2", "5", "20", "50", "200", "500"}
    assert "$" not in "".join(t.get_text() for t in secs.xaxis.get_majorticklabels())


def test_resume_state_round_trip(tmp_path):
    run_dir = fake_run(tmp_path)
    assert runs.read_checkpoint_state(run_dir)["epoch"] == make_config("dcgan").epochs
    assert runs.load_history(run_dir)["g_loss"][:2] == [2.0, 2.0]
    with pytest.raises(runs.RunDirError, match="holds no checkpoint"):
        runs.read_checkpoint_state(tmp_path)


def test_publishing_metrics_of_the_other_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="trained on mnist but its metrics were scored with the fashion-mnist "
                                         "classifier: evaluate\\(samples, dataset='mnist'\\)"):
        publish(fake_run(tmp_path), tmp_path / "results", metrics=METRICS | {"dataset": "fashion-mnist"})
    assert not (tmp_path / "results").exists()  # nothing written


def test_dataset_findings_say_which_mnist_orders_hold_on_fashion_mnist(tmp_path):
    fids = {"mnist": dict(vanilla=40.0, lsgan=30.0, dcgan=20.0, wgan_gp=10.0),       # lsgan < vanilla, dcgan < vanilla
            "fashion-mnist": dict(vanilla=40.0, lsgan=50.0, dcgan=20.0, wgan_gp=30.0)}  # lsgan > vanilla: not held
    for dataset, by_variant in fids.items():
        for variant, fid in by_variant.items():
            for framework, delta in (("pytorch", 0.0), ("tensorflow", 2.0)):
                run = fake_run(tmp_path / dataset / variant / framework, framework, variant, dataset=dataset)
                publish(run, tmp_path / dataset, metrics=METRICS | dict(fid=fid + delta, dataset=dataset))
    mnist = compare.load_seeds(tmp_path / "mnist")
    fashion = compare.load_seeds(tmp_path / "fashion-mnist", dataset="fashion-mnist")
    assert all(len(rs) == 1 for rs in fashion.values())
    assert not any(compare.load_seeds(tmp_path / "fashion-mnist").values())  # not MNIST's preset: never in its table
    lines = compare.dataset_findings(mnist, fashion)
    assert lines[0] == ("Ranking by fid (best first): MNIST wgan_gp < dcgan < lsgan < vanilla; Fashion-MNIST "
                        "dcgan < wgan_gp < vanilla < lsgan: a different order.")
    assert lines[1].startswith("the least-squares loss beats the non-saturating one on the MLP pair: MNIST yes "
                               "(lsgan 31.0 vs vanilla 41.0), Fashion-MNIST no (51.0 vs 41.0): does not hold.")
    assert lines[2].endswith(": holds.")
    assert lines[3].endswith("Fashion-MNIST no (31.0 vs 21.0): does not hold.")
    assert lines[4] == ("vanilla: PyTorch and TensorFlow fid differ by 5% on MNIST (one seed: no spread), by 5% on "
                        "Fashion-MNIST (one seed: no spread) of their mean.")
    fashion[("wgan_gp", "pytorch")] = fashion[("wgan_gp", "tensorflow")] = []  # e.g. an older preset's runs only
    lines = compare.dataset_findings(mnist, fashion)
    assert not lines[0].startswith("Ranking") and not any("wgan_gp" in line for line in lines)
