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
