"""Twins stay twins: gans_pt and gans_tf expose the same public names, each with the same parameter names."""
import inspect

import pytest

import gans_pt  # (torch loads before TensorFlow: conftest.py)
import gans_tf


def test_same_all():
    assert sorted(gans_pt.__all__) == sorted(gans_tf.__all__)
    assert len(set(gans_pt.__all__)) == len(gans_pt.__all__)
    for pkg in (gans_pt, gans_tf):
        missing = [name for name in pkg.__all__ if not hasattr(pkg, name)]
        assert not missing, f"{pkg.__name__}.__all__ names {missing}, which it does not define"


def own_methods(cls):
    """Public methods a class defines itself -> their parameter names."""
    return {m: parameters(f) for m, f in vars(cls).items() if callable(f) and not m.startswith("_")}


def parameters(obj):
    """Parameter names in order (a class: of its __init__, without self), or None for a plain value."""
    if inspect.isclass(obj):
        return list(inspect.signature(obj.__init__).parameters)[1:]
    if callable(obj):
        return list(inspect.signature(obj).parameters)
    return None


@pytest.mark.parametrize("name", sorted(gans_pt.__all__))
def test_same_parameter_names(name):
    pt, tf = getattr(gans_pt, name), getattr(gans_tf, name)
    assert inspect.isclass(pt) == inspect.isclass(tf) and callable(pt) == callable(tf), name
    assert parameters(pt) == parameters(tf), f"{name}: gans_pt {parameters(pt)} != gans_tf {parameters(tf)}"
    if isinstance(pt, dict):  # LOSSES: the same keys, and each value the same-named function in both twins
        assert pt.keys() == tf.keys()
        for key in pt:
            assert [f.__name__ for f in pt[key]] == [f.__name__ for f in tf[key]], key


def test_same_public_methods_of_classes():
    for name in gans_pt.__all__:
        pt, tf = getattr(gans_pt, name), getattr(gans_tf, name)
        if not inspect.isclass(pt) or name.endswith(("Generator", "Discriminator")):
            continue  # the nets inherit framework-specific public APIs (nn.Module, keras.Model)
        assert own_methods(pt) == own_methods(tf), name
