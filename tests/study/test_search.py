"""The quality search's bookkeeping: trials per stage, their names and configs, skipping what is recorded, the
report table, and one-line errors."""
import dataclasses
import json

import pytest

from gans_common.config import GANConfig
from gans_study import search


def test_trials_of_a_stage_use_the_stage_budget_and_the_candidates_overrides():
    screen = search.trials("screen", variants=("dcgan",))
    assert [t.candidate for t in screen] == search.STAGES["screen"]["dcgan"]
    assert {t.epochs for t in screen} == {search.SCREEN_EPOCHS}
    final = search.trials("final", variants=("dcgan",), seeds=3, candidates={"dcgan": ["ema"]})
    assert [(t.name, t.seed) for t in final] == [(f"dcgan_ema_pytorch_e{search.FINAL_EPOCHS}_seed{s}", s)
                                                 for s in range(3)]
    cfg = final[0].config()
    assert (cfg.ema_decay, cfg.epochs, cfg.k_steps) == (0.999, search.FINAL_EPOCHS, 1)


def fake_record(trial, fid_train, fid_test, seconds=10.0):
    def metrics(fid):
        return dict(fid=fid, precision=0.8, recall=0.5, digits_covered=10, histogram=[1000] * 10)

    return dict(name=trial.name, variant=trial.variant, candidate=trial.candidate, framework=trial.framework,
                epochs=trial.epochs, seed=trial.seed, train_seconds=seconds, device="cpu", commit="abc",
                metrics_train_ref=metrics(fid_train), metrics_test_ref=metrics(fid_test))


def test_report_orders_by_training_reference_fid_with_the_seed_spread(tmp_path):
    a, b = search.trials("final", variants=("wgan_gp",), seeds=2, candidates={"wgan_gp": ["preset", "ema"]})[:2]
    for t, fids in ((a, (50.0, 52.0)), (b, (40.0, 45.0))):
        (tmp_path / f"{t.name}.json").write_text(json.dumps(fake_record(t, *fids)))
    a1 = search.Trial(a.variant, a.candidate, a.framework, a.epochs, 1)
    (tmp_path / f"{a1.name}.json").write_text(json.dumps(fake_record(a1, 54.0, 56.0)))
    rows = search.report(tmp_path).splitlines()
    assert rows[2].startswith("| wgan_gp | ema | pytorch |") and "| 1 | 40.0 | 45.0 |" in rows[2]
    assert rows[3].startswith("| wgan_gp | preset |") and "| 2 | 52.0 ± 2.8 | 54.0 ± 2.8 |" in rows[3]
    assert "10.0% / 10.0%" in rows[2] and "Devices: cpu. Commits: abc." in rows[-1]
    assert ("- wgan_gp, 20 epochs, pytorch: **ema** (FID 40.0 train ref, 45.0 test ref, 1 seed(s)) against preset "
            "(52.0 ± 2.8 / 54.0 ± 2.8, 2 seed(s)): 1.20x lower test FID; 2 candidates; runner-up preset, on the seed(s) "
            "both ran (0): train-ref FID 40.0 vs 50.0, the lead exceeds the runner-up's seed spread (4.0)") in rows


def test_curve_fid_at_equal_seconds_interpolates_and_refuses_to_extrapolate():
    curve = [dict(train_seconds=100.0, fid=300.0), dict(train_seconds=300.0, fid=100.0)]
    assert search.fid_at_seconds(curve, 200.0) == pytest.approx(200.0)
    assert search.fid_at_seconds(curve, 300.0) == pytest.approx(100.0)
    assert search.fid_at_seconds(curve, 301.0) is None and search.fid_at_seconds(curve, 99.0) is None
    assert search.fid_at_seconds([], 10.0) is None


def test_recorded_trials_are_skipped_and_bad_input_is_one_line(tmp_path, capsys):
    t = search.trials("screen", variants=("vanilla",))[0]
    (tmp_path / f"{t.name}.json").write_text("{}")
    assert search.main(["--variants", "vanilla", "--records", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"1 recorded in {tmp_path}" in out and f"done  {t.name}" in out
    assert search.main(["--candidates", "huge"]) == 2
    assert capsys.readouterr().err.strip() == "error: unknown candidate(s) huge: see gans_study.search.CANDIDATES"


def test_every_committed_record_is_the_config_its_trial_builds():
    """Candidates override the papers' recipes (config.RECIPES), not today's presets: a preset change must not change what a
    recorded trial name means (the records stay rerunnable)."""
    records = search.load_records(search.Path(__file__).resolve().parents[2] / "results" / "search")
    assert records, "results/search/ has no records"
    for r in records:
        trial = search.Trial(r["variant"], r["candidate"], r["framework"], r["epochs"], r["seed"])
        # a field added to the config after a record was written has a default that keeps the old behaviour
        recorded = {f.name: f.default for f in dataclasses.fields(GANConfig)} | r["config"]
        assert trial.config().to_dict() == recorded | dict(digits=tuple(recorded["digits"])), trial.name


def test_the_stages_are_the_committed_records():
    """``make search`` (both stages, their default candidates) reruns exactly the recorded trials: none missing, no
    record that the stages would not make."""
    records = search.load_records(search.Path(__file__).resolve().parents[2] / "results" / "search")
    recorded = {r["name"] for r in records}
    staged = {t.name for stage in search.STAGES for t in search.trials(stage)}
    assert recorded == staged, (sorted(recorded - staged), sorted(staged - recorded))
    assert all(set(cs) <= set(search.CANDIDATES[v]) for stage in search.STAGES.values() for v, cs in stage.items())


def test_a_finalist_runs_on_its_seeds_and_explicit_candidates_on_the_asked_ones(monkeypatch):
    """``FINALIST_SEEDS`` raises a stage candidate's seeds (never lowers ``--seeds``); ``--candidates`` gets exactly
    ``--seeds``."""
    monkeypatch.setattr(search, "FINALIST_SEEDS", {"final": {"dcgan": {"ema": 3}}})
    monkeypatch.setitem(search.STAGES, "final", search.STAGES["final"] | {"dcgan": ["preset", "ema"]})
    seeds = [(t.candidate, t.seed) for t in search.trials("final", variants=("dcgan",))]
    assert seeds == [("preset", 0), ("ema", 0), ("ema", 1), ("ema", 2)]
    assert len(search.trials("final", variants=("dcgan",), seeds=4)) == 8
    explicit = search.trials("final", variants=("dcgan",), candidates={"dcgan": ["ema"]})
    assert [t.seed for t in explicit] == [0]
    monkeypatch.setattr(search, "TWIN_TRIALS", {"final": {"dcgan": {"preset": ("tensorflow",)}}})
    assert [(t.candidate, t.framework) for t in search.trials("final", variants=("dcgan",)) if t.seed == 0] == [
        ("preset", "pytorch"), ("ema", "pytorch"), ("preset", "tensorflow")]
    assert {t.framework for t in search.trials("final", variants=("dcgan",), candidates={"dcgan": ["preset"]})} == {
        "pytorch"}
    # a twin check is one seed, even for a finalist on more; --frameworks asks for every seed there
    monkeypatch.setattr(search, "TWIN_TRIALS", {"final": {"dcgan": {"ema": ("tensorflow",)}}})
    assert [t.seed for t in search.trials("final", variants=("dcgan",)) if t.framework == "tensorflow"] == [0]
    assert [t.seed for t in search.trials("final", variants=("dcgan",), frameworks=("pytorch", "tensorflow"))
            if (t.candidate, t.framework) == ("ema", "tensorflow")] == [0, 1, 2]
