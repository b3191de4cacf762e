"""Published results: the small copies of finished runs committed under ``results/`` (record, metrics, samples)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gans_common.config import GANConfig, config_from_dict
from gans_common.images import to_uint8
from gans_common.runs import load_history, write_json


def result_name(framework: str, variant: str, seed: int = 0) -> str:
    return f"{framework}_{variant}_seed{seed}"


def publish(run_dir: str | Path, results_dir: str | Path, interpolation=None, **extra) -> Path:
    """Copy a finished run's record (losses thinned to <= 500 points, plus ``extra`` fields such as metrics) and
    its samples (the final 100, the first 10 after each epoch, and the ``interpolation`` strips if given, as uint8)
    into ``results_dir``."""
    run_dir, results_dir = Path(run_dir), Path(results_dir)
    record = json.loads((run_dir / "record.json").read_text()) | extra
    trained_on, scored_on = record["config"].get("dataset", "mnist"), (extra.get("metrics") or {}).get("dataset")
    if scored_on not in (None, trained_on):
        raise ValueError(f"{run_dir} was trained on {trained_on} but its metrics were scored with the {scored_on} "
                         f"classifier: evaluate(samples, dataset={trained_on!r})")
    hist = load_history(run_dir)
    stride = max(1, len(hist["step"]) // 500)
    record["losses"] = {k: [round(float(x), 5) for x in np.asarray(v)[::stride]] for k, v in hist.items()}
    results_dir.mkdir(parents=True, exist_ok=True)
    name = result_name(record["framework"], record["config"]["variant"], record["config"]["seed"])
    write_json(results_dir / f"{name}.json", record)
    with np.load(run_dir / "samples.npz") as f:
        arrays = dict(samples=f["samples"], snapshots=f["snapshots"][:, :10])
    if interpolation is not None:
        arrays["interpolation"] = to_uint8(interpolation)
    np.savez_compressed(results_dir / f"{name}.npz", **arrays)
    return results_dir / f"{name}.json"


def result_seeds(results_dir: str | Path, framework: str, variant: str) -> list[int]:
    """The seeds of ``framework``/``variant`` published in ``results_dir``, ascending."""
    prefix = result_name(framework, variant, 0)[:-1]
    return sorted(int(p.stem[len(prefix):]) for p in Path(results_dir).glob(f"{prefix}*.json")
                  if p.stem[len(prefix):].isdigit())


def load_result(results_dir: str | Path, framework: str, variant: str, seed: int = 0):
    """``(record, samples npz dict)`` of a published run, or ``None`` if it does not exist yet."""
    base = Path(results_dir) / result_name(framework, variant, seed)
    if not (base.with_suffix(".json").exists() and base.with_suffix(".npz").exists()):
        return None
    with np.load(base.with_suffix(".npz")) as f:
        samples = {k: f[k] for k in f.files}
    return json.loads(base.with_suffix(".json").read_text()), samples


def as_saved(config: GANConfig) -> dict:
    """``config`` as a record stores it (through JSON: tuples become lists), to compare with a record's."""
    return json.loads(json.dumps(config.to_dict()))


def load_twin(results_dir: str | Path, framework: str, config: GANConfig):
    """The published seed-``config.seed`` run of ``framework`` trained with exactly ``config`` (its variant, preset
    and overrides), or ``None``: a run of an older preset or other settings is not a twin to compare with."""
    found = load_result(results_dir, framework, config.variant, config.seed)
    same = found and as_saved(config_from_dict(found[0]["config"])) == as_saved(config)
    return found if same else None
