"""Both frameworks behind one small interface, so a test body runs against each twin."""
import numpy as np
import tensorflow as tf
import torch

import gans_pt
import gans_tf


class PT:
    name, pkg = "pytorch", gans_pt

    @staticmethod
    def tensor(x):
        return torch.tensor(np.asarray(x, np.float32))

    @staticmethod
    def image_batch(x_nhwc):
        return torch.tensor(np.asarray(x_nhwc, np.float32)).permute(0, 3, 1, 2)

    @staticmethod
    def grad(fn, x):
        """d fn(x) / dx for a scalar fn."""
        x = torch.tensor(np.asarray(x, np.float32), requires_grad=True)
        fn(x).backward()
        return x.grad.numpy()

    @staticmethod
    def weights(model):
        return [p.detach().numpy().copy() for p in model.parameters()]


class TF:
    name, pkg = "tensorflow", gans_tf

    @staticmethod
    def tensor(x):
        return tf.constant(np.asarray(x, np.float32))

    @staticmethod
    def image_batch(x_nhwc):
        return tf.constant(np.asarray(x_nhwc, np.float32))

    @staticmethod
    def grad(fn, x):
        x = tf.Variable(np.asarray(x, np.float32))
        with tf.GradientTape() as tape:
            y = fn(x)
        return tape.gradient(y, x).numpy()

    @staticmethod
    def weights(model):
        return [v.numpy().copy() for v in model.trainable_variables]


BOTH = [PT, TF]
