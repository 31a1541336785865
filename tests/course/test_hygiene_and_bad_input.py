"""Every reference function leaves the model and its input as it found them,
also when it raises, and refuses bad input with a message that says how to fix it."""

import numpy as np
import pytest
import torch
from torch import nn

from utils.checks import hook_count
from utils.instructor import reference as R

from tests.conftest import SmallCNN

METHODS = {
    "vanilla_gradients": lambda m, x, t: R.vanilla_gradients(m, x, t),
    "gradient_x_input": lambda m, x, t: R.gradient_x_input(m, x, t),
    "integrated_gradients": lambda m, x, t: R.integrated_gradients(m, x, t, steps=3, return_delta=True),
    "cam": lambda m, x, t: R.cam(m, x, t, layer="act2"),
    "gradcam": lambda m, x, t: R.gradcam(m, x, t, layer=m.act2),
    "gradcam_plusplus": lambda m, x, t: R.gradcam_plusplus(m, x, t, layer="act1", upsample=True),
    "smoothgrad_ig": lambda m, x, t: R.smoothgrad(R.integrated_gradients, m, x, t, n_samples=2, steps=2),
    "smoothgrad_gradcam": lambda m, x, t: R.smoothgrad(R.gradcam, m, x, t, n_samples=3, layer="act2"),
    "hirescam": lambda m, x, t: R.hirescam(m, x, t, layer="act1"),
    "xgradcam": lambda m, x, t: R.xgradcam(m, x, t, layer="act2", raw=True),
    "layercam": lambda m, x, t: R.layercam(m, x, t, layer=m.act1, upsample=True),
    "expected_gradients": lambda m, x, t: R.expected_gradients(m, x, t, torch.zeros(4, 3, 12, 12, dtype=torch.float64),
                                                               n_samples=3, generator=torch.Generator().manual_seed(0)),
}


class WithDropout(SmallCNN):
    """SmallCNN with dropout, so that train mode would change the result."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.drop(self.pool(self.act2(self.conv2(self.act1(self.conv1(x))))).flatten(1)))


@pytest.fixture
def model():
    m = WithDropout().double()
    m.train()
    m.conv1.eval()  # a deliberately mixed state must come back as it was
    return m


@pytest.mark.parametrize("name", sorted(METHODS))
def test_state_is_restored(model, small_batch, name):
    x = small_batch.clone()
    hooks, params = hook_count(model), {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    seen_training = []
    recorder = model.register_forward_pre_hook(lambda mod, _: seen_training.append(mod.training))
    METHODS[name](model, x, [0, 1, 2])
    recorder.remove()
    assert seen_training and not any(seen_training), "the model must run in eval mode"
    assert [m.training for m in model.modules()] == modes, "each module's mode must be restored"
    assert hook_count(model) == hooks, "no hooks may be left on the model"
    assert all(p.grad is None for p in model.parameters()), "no parameter gradients may be left"
    assert torch.equal(x, small_batch) and not x.requires_grad and x.grad is None, "the input must not change"
    for k, v in model.state_dict().items():
        assert torch.equal(v, params[k]), f"{k} changed"


@pytest.mark.parametrize("name", sorted(METHODS))
def test_no_hooks_left_also_when_raising(model, small_batch, name):
    before = hook_count(model)
    METHODS[name](model, small_batch, 1)
    assert hook_count(model) == before
    with pytest.raises(ValueError, match="out of range"):
        METHODS[name](model, small_batch, 99)
    assert hook_count(model) == before
    assert [m.training for m in model.modules()][:2] == [True, False], "mode restored after an error"


@pytest.mark.parametrize("name", sorted(METHODS))
def test_existing_parameter_gradients_are_untouched(model, small_batch, name):
    for p in model.parameters():
        p.grad = torch.full_like(p, 7.0)
    METHODS[name](model, small_batch, 0)
    assert all(torch.equal(p.grad, torch.full_like(p, 7.0)) for p in model.parameters())


@pytest.mark.parametrize("name", sorted(METHODS))
def test_bad_batch_and_targets(small_cnn, small_batch, name):
    method = METHODS[name]
    with pytest.raises(ValueError, match=r"unsqueeze\(0\)"):
        method(small_cnn, small_batch[0], 0)
    with pytest.raises(TypeError, match="torch.as_tensor"):
        method(small_cnn, small_batch.numpy(), 0)
    with pytest.raises(ValueError, match="3 examples"):
        method(small_cnn, small_batch, [0, 1])
    with pytest.raises(ValueError, match=r"0\.\.4"):
        method(small_cnn, small_batch, 5)
    with pytest.raises(ValueError, match="out of range"):
        method(small_cnn, small_batch, -1)
    with pytest.raises(TypeError):
        method(small_cnn, small_batch, 1.5)


def test_bad_steps_rule_and_baseline(small_cnn, small_batch):
    with pytest.raises(ValueError, match="at least 1"):
        R.integrated_gradients(small_cnn, small_batch, 0, steps=0)
    with pytest.raises(TypeError, match="int"):
        R.integrated_gradients(small_cnn, small_batch, 0, steps=2.5)
    with pytest.raises(ValueError, match="trapezoid"):
        R.integrated_gradients(small_cnn, small_batch, 0, rule="simpson")
    with pytest.raises(ValueError, match="baseline has shape"):
        R.integrated_gradients(small_cnn, small_batch, 0, baseline=torch.zeros(3, 3, 5, 5))
    with pytest.raises(TypeError, match="make_baseline"):
        R.integrated_gradients(small_cnn, small_batch, 0, baseline=np.zeros((3, 3, 12, 12)))
    with pytest.raises(ValueError, match="choose one of"):
        R.make_baseline(small_batch, "grey")
    with pytest.raises(ValueError, match="n_samples"):
        R.smoothgrad(R.vanilla_gradients, small_cnn, small_batch, 0, n_samples=0)


def test_bad_layers(small_cnn, small_batch):
    with pytest.raises(ValueError, match="no layer named 'layer4'"):
        R.gradcam(small_cnn, small_batch, 0, layer="layer4")
    with pytest.raises(ValueError, match="not a module of this model"):
        R.gradcam(small_cnn, small_batch, 0, layer=nn.ReLU())
    with pytest.raises(ValueError, match="not a feature map"):
        R.gradcam(small_cnn, small_batch, 0, layer="fc")
    plain = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    with pytest.raises(ValueError, match="layer is required"):
        R.gradcam(plain, small_batch.float(), 0)


def test_cam_needs_a_final_linear_layer(small_batch):
    no_linear = nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    with pytest.raises(ValueError, match="no nn.Linear"):
        R.cam(no_linear, small_batch.float(), 0, layer="1")


def test_cam_at_a_layer_the_classifier_does_not_read(small_cnn, small_batch):
    with pytest.raises(ValueError, match="6 channels but the final linear layer reads 8"):
        R.cam(small_cnn, small_batch, 0, layer="act1")
