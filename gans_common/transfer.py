"""Weight transfer between the twins: a PyTorch ``state_dict`` <-> the list of a Keras model's ``.weights``.

Plain numpy (no torch, no tensorflow import), so either side can be read without the other framework. Used by the
cross-framework parity tests; also handy to load a checkpoint of one framework into the other.

Layout conventions (verified numerically in ``tests/test_parity.py``):

- dense: PyTorch ``(out, in)`` <-> Keras ``(in, out)`` (transpose);
- conv: PyTorch OIHW ``(out, in, kH, kW)`` <-> Keras HWIO ``(kH, kW, in, out)``;
- transposed conv: PyTorch ``(in, out, kH, kW)`` <-> Keras ``(kH, kW, out, in)``; both are the adjoint of the same
  cross-correlation, so the kernel is *not* flipped spatially;
- batch norm: gamma, beta, moving mean, moving variance, same vectors (PyTorch ``num_batches_tracked`` has no Keras
  counterpart: dropped one way, 0 the other);
- a dense layer whose output is reshaped to an image (DCGAN generator: PyTorch ``(C, 7, 7)``, Keras ``(7, 7, C)``)
  has its output units permuted; a dense layer after ``Flatten`` of such an image (DCGAN discriminator) has its
  input units permuted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import architectures

__all__ = ["ARCHS", "layout", "pt_to_tf", "tf_to_pt"]

ARCHS = architectures.NETS


@dataclass(frozen=True)
class Entry:
    """One tensor: its PyTorch state-dict key, kind, PyTorch shape and role in Keras."""

    key: str
    kind: str               # dense | conv | conv_transpose | vector
    pt_shape: tuple
    keras_role: str         # e.g. "Dense kernel", "BatchNormalization moving_variance"
    trainable: bool = True
    in_chw: tuple = ()      # dense: its input is a flattened (C, H, W) image in PyTorch, (H, W, C) in Keras
    out_chw: tuple = ()     # dense: its output is reshaped to (C, H, W) in PyTorch, (H, W, C) in Keras

    @property
    def tf_shape(self) -> tuple:
        s = self.pt_shape
        if self.kind == "dense":
            return (s[1], s[0])
        if self.kind in ("conv", "conv_transpose"):
            return (s[2], s[3], s[1], s[0])
        return s


def _arch_name(arch) -> str:
    name = arch if isinstance(arch, str) else (arch.__name__ if isinstance(arch, type) else type(arch).__name__)
    if name not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
    return name


def _params(name, cfg, z_dim, width, norm, extra_convs):
    """z_dim, width, norm, extra_convs from keywords, else from a config-like object (z_dim, width or for a
    discriminator d_width, d_norm, extra_convs), else defaults."""
    def get(attr, default):
        return getattr(cfg, attr, default) if cfg is not None else default

    cfg_width = get("d_width", get("width", 32)) if name.endswith("Discriminator") else get("width", 32)
    return (z_dim if z_dim is not None else get("z_dim", 100), width if width is not None else cfg_width,
            norm if norm is not None else get("d_norm", "batch"),
            extra_convs if extra_convs is not None else get("extra_convs", 0))


def layout(arch, cfg=None, *, z_dim=None, width=None, norm=None, extra_convs=None) -> list[Entry]:
    """The tensors of ``arch`` (a class name, class or instance of either twin) in the order of Keras' ``.weights``,
    derived from its layer table (``gans_common.architectures``): PyTorch keys ``net.<i>.*``.

    ``cfg`` is anything with ``z_dim``, ``width`` (``d_width`` for a discriminator, if it has one), ``d_norm``,
    ``extra_convs`` (a GANConfig); keywords override it.
    """
    name = _arch_name(arch)
    z_dim, w, norm, extra_convs = _params(name, cfg, z_dim, width, norm, extra_convs)
    if norm not in ("batch", "none"):
        raise ValueError(f"unknown norm {norm!r}: choose 'batch' or 'none'")
    stack = architectures.layers(name, z_dim, w, norm, extra_convs)
    shapes = architectures.spatial(stack)
    entries: list[Entry] = []
    for i, layer in enumerate(stack):
        key = f"net.{i}"
        if layer.kind == "dense":
            before = shapes[i - 2] if i >= 2 and stack[i - 1].kind == "flatten" else ()  # the image flattened
            after = stack[i + 1].shape if i + 1 < len(stack) and stack[i + 1].kind == "unflatten" else ()
            chw = dict(in_chw=before if len(before) == 3 and before[0] > 1 else (),  # C = 1: the same order
                       out_chw=after if len(after) == 3 and after[0] > 1 else ())
            entries.append(Entry(f"{key}.weight", "dense", (layer.c_out, layer.c_in), "Dense kernel", **chw))
        elif layer.kind in ("conv", "conv_transpose"):
            transpose = layer.kind == "conv_transpose"
            shape = (layer.c_in, layer.c_out) if transpose else (layer.c_out, layer.c_in)
            cls = "Conv2DTranspose" if transpose else "Conv2D"
            entries.append(Entry(f"{key}.weight", layer.kind, (*shape, layer.kernel, layer.kernel),
                                 f"{cls} kernel"))
        elif layer.kind == "batch_norm":
            for part, role, trainable in (("weight", "gamma", True), ("bias", "beta", True),
                                          ("running_mean", "moving_mean", False),
                                          ("running_var", "moving_variance", False)):
                entries.append(Entry(f"{key}.{part}", "vector", (layer.c_out,), f"BatchNormalization {role}",
                                     trainable))
            continue
        else:
            continue
        if layer.bias:
            role = {"dense": "Dense", "conv": "Conv2D", "conv_transpose": "Conv2DTranspose"}[layer.kind]
            entries.append(Entry(f"{key}.bias", "vector", (layer.c_out,), f"{role} bias"))
    return entries


def _to_tf(e: Entry, x: np.ndarray) -> np.ndarray:
    if e.kind == "dense":
        n_out, n_in = e.pt_shape
        if e.out_chw:  # rows in (C, H, W) order -> (H, W, C) order
            x = x.reshape(*e.out_chw, n_in).transpose(1, 2, 0, 3).reshape(n_out, n_in)
        if e.in_chw:   # columns in (C, H, W) order -> (H, W, C) order
            x = x.reshape(n_out, *e.in_chw).transpose(0, 2, 3, 1).reshape(n_out, n_in)
        return np.ascontiguousarray(x.T)
    if e.kind in ("conv", "conv_transpose"):  # (O, I, kH, kW) -> (kH, kW, I, O); transposed: (I, O, ..) -> (.., O, I)
        return np.ascontiguousarray(x.transpose(2, 3, 1, 0))
    return np.array(x)


def _to_pt(e: Entry, x: np.ndarray) -> np.ndarray:
    if e.kind == "dense":
        n_out, n_in = e.pt_shape
        x = x.T
        if e.out_chw:
            c, h, w = e.out_chw
            x = x.reshape(h, w, c, n_in).transpose(2, 0, 1, 3).reshape(n_out, n_in)
        if e.in_chw:
            c, h, w = e.in_chw
            x = x.reshape(n_out, h, w, c).transpose(0, 3, 1, 2).reshape(n_out, n_in)
        return np.ascontiguousarray(x)
    if e.kind in ("conv", "conv_transpose"):
        return np.ascontiguousarray(x.transpose(3, 2, 0, 1))
    return np.array(x)


def _check(name, e, i, x, expected, side):
    if tuple(np.shape(x)) != tuple(expected):
        raise ValueError(f"{name}: layer {e.key!r} (Keras weights[{i}], {e.keras_role}): expected {side} shape "
                         f"{tuple(expected)}, got {tuple(np.shape(x))}; check the architecture and its "
                         f"z_dim / width / norm / extra_convs")


def pt_to_tf(pt_state, arch, cfg=None, *, z_dim=None, width=None, norm=None, extra_convs=None,
             trainable_only=False) -> list:
    """A PyTorch state dict (name -> array) as the list of Keras ``model.weights`` (``trainable_variables`` if
    ``trainable_only``: then only parameters are needed, e.g. a dict of ``.grad`` arrays)."""
    name = _arch_name(arch)
    every = layout(name, cfg, z_dim=z_dim, width=width, norm=norm, extra_convs=extra_convs)
    entries = [e for e in every if e.trainable or not trainable_only]
    known = {e.key for e in every}
    extra = sorted(k for k in pt_state if k not in known and not k.endswith("num_batches_tracked"))
    missing = [e.key for e in entries if e.key not in pt_state]
    if extra or missing:
        raise ValueError(f"{name}: state dict does not match the architecture: missing {missing}, "
                         f"unexpected {extra}; check the architecture and its norm")
    out = []
    for i, e in enumerate(entries):
        x = np.asarray(pt_state[e.key])
        _check(name, e, i, x, e.pt_shape, "PyTorch")
        out.append(_to_tf(e, x))
    return out


def tf_to_pt(tf_weights, arch, cfg=None, *, z_dim=None, width=None, norm=None, extra_convs=None,
             trainable_only=False) -> dict:
    """The list of Keras ``model.weights`` (or ``trainable_variables`` / their gradients if ``trainable_only``) as
    a PyTorch state dict of numpy arrays; batch norm's ``num_batches_tracked`` is set to 0 (unless trainable_only).
    """
    name = _arch_name(arch)
    entries = [e for e in layout(name, cfg, z_dim=z_dim, width=width, norm=norm, extra_convs=extra_convs)
               if e.trainable or not trainable_only]
    tf_weights = [np.asarray(x) for x in tf_weights]
    if len(tf_weights) != len(entries):
        raise ValueError(f"{name}: expected {len(entries)} Keras arrays {[e.tf_shape for e in entries]}, got "
                         f"{len(tf_weights)} {[x.shape for x in tf_weights]}; check the architecture and its norm")
    state = {}
    for i, (e, x) in enumerate(zip(entries, tf_weights)):
        _check(name, e, i, x, e.tf_shape, "Keras")
        state[e.key] = _to_pt(e, x)
        if e.keras_role.endswith("moving_variance"):
            state[e.key.rsplit(".", 1)[0] + ".num_batches_tracked"] = np.array(0, np.int64)
    return state
