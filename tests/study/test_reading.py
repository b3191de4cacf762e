"""The generated reading of a run: each sentence follows from the numbers it is given."""
from gans_study.reading import reading

FLOOR = dict(fid=2.9, precision=0.87, recall=0.87)


def metrics(fid=50.0, precision=0.7, recall=0.7, histogram=(1000,) * 10):
    return dict(fid=fid, precision=precision, recall=recall, histogram=list(histogram))


def curve(*fids):
    return [dict(epoch=i + 1, fid=f) for i, f in enumerate(fids)]


def test_fid_against_the_floor():
    assert "Classifier-FID 58.0, 20x the real-data floor of 2.9." in reading(metrics(58.0), FLOOR)


def test_curve_trend_decides_the_advice():
    assert "still falling" in reading(metrics(), FLOOR, curve(120, 90))
    assert "rose at the end" in reading(metrics(), FLOOR, curve(90, 120))
    flat = reading(metrics(), FLOOR, curve(100, 98))
    assert "flattened" in flat and "still falling" not in flat
    assert "epoch" not in reading(metrics(), FLOOR, curve(100))  # one point: no trend


def test_the_weaker_of_precision_and_recall_is_named():
    assert "Precision is the weaker" in reading(metrics(precision=0.45, recall=0.72), FLOOR)
    assert "Recall is the weaker" in reading(metrics(precision=0.9, recall=0.2), FLOOR)
    assert "Neither is much weaker" in reading(metrics(precision=0.7, recall=0.65), FLOOR)


def test_missing_and_heavy_digits():
    collapsed = reading(metrics(histogram=[0, 5] + [1249] * 8), FLOOR)
    assert "Mode collapse: 0, 1 are (nearly) never drawn." in collapsed
    heavy = reading(metrics(histogram=[2700] + [811] * 9), FLOOR)
    assert "digit 0 is the most common (27% of the samples)" in heavy and "Over-represented: 0 (27%)." in heavy


def test_other_framework_is_quoted_when_given():
    text = reading(metrics(), FLOOR, other=("TensorFlow", dict(fid=61.25)))
    assert "The TensorFlow run of this variant scored FID 61.2" in text
    assert "TensorFlow" not in reading(metrics(), FLOOR)


def test_fashion_mnist_is_not_called_digits():
    text = reading(metrics(precision=0.4) | {"dataset": "fashion-mnist"}, FLOOR)
    assert "real items" in text and "class 0 is the most common" in text and "digit" not in text.replace("10%", "")
