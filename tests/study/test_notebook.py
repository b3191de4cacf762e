"""The notebooks' helpers: the code they show is the package's source, chosen by the config."""
import inspect

import pytest

from gans_common import architectures
from gans_common.config import make_config
from gans_study import notebook


class Twin:  # the parts of gans_pt / gans_tf that objective_of reads
    from gans_common import architectures as _a  # any importable functions stand in for losses

    LOSSES = {"nonsaturating": (_a.mlp_generator, _a.mlp_discriminator),
              "wasserstein": (_a.dcgan_generator, _a.dcgan_discriminator)}
    gradient_penalty = staticmethod(_a.spatial)


def test_show_code_is_the_source_headed_by_its_file():
    code = notebook.show_code(architectures.dcgan_generator, notebook.setup)
    assert code.data.startswith("```python\n# gans_common/architectures.py\n" +
                                inspect.getsource(architectures.dcgan_generator))
    assert "# gans_study/notebook.py\ndef setup(" in code.data
    assert code._repr_markdown_().startswith("```python\n") and code.data.endswith("\n```")  # highlighted by Jupyter


@pytest.mark.parametrize("variant, names", [("vanilla", ["mlp_generator", "mlp_discriminator"]),
                                            ("wgan_gp", ["dcgan_generator", "dcgan_discriminator", "spatial"])])
def test_objective_and_architecture_follow_the_config(variant, names):
    cfg = make_config(variant)
    assert [f.__name__ for f in notebook.objective_of(Twin, cfg)] == names
    arch = [f.__name__ for f in notebook.architecture_of(cfg)]
    assert arch == (["mlp_generator", "mlp_discriminator"] if variant == "vanilla" else
                    ["dcgan_generator", "dcgan_discriminator"])


def test_tensorflow_startup_logs_leave_the_executed_outputs_and_nothing_else_does():
    import nbformat
    log = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
           "I0000 00:00:1796221683.128570   20639 port.cc:153] oneDNN custom operations are on. You may see ...\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import tensorflow", outputs=[
        nbformat.v4.new_output("stream", name="stderr", text=log),
        nbformat.v4.new_output("stream", name="stderr", text=log + "UserWarning: something real\n"),
        nbformat.v4.new_output("stream", name="stdout", text="oneDNN custom operations are on.\n")])])
    outputs = notebook.drop_startup_logs(nb).cells[0].outputs
    assert [(o.name, o.text) for o in outputs] == [("stderr", "UserWarning: something real\n"),
                                                    ("stdout", "oneDNN custom operations are on.\n")]
