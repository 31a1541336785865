"""Stage 05's hidden checks: Captum configured as the trapezoid passes; other configurations, no Captum, or cheating fail."""

import pytest
import torch
from captum.attr import IntegratedGradients

from utils.grading import stage05


def make(n_steps=lambda s: s + 1, method="riemann_trapezoid", rescale=True, use_baseline=True, eval_mode=True,
         predicted=False, numpy_output=False):
    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
        if eval_mode:
            model.eval()
        b = torch.zeros_like(input_tensor) if baseline is None or not use_baseline else baseline
        if predicted:
            with torch.no_grad():
                target_class = int(model(input_tensor).argmax())
        out = IntegratedGradients(model).attribute(input_tensor, baselines=b, target=target_class,
                                                   n_steps=n_steps(steps), method=method)
        out = out * (steps + 1) / steps if rescale else out
        return out.detach().numpy()[0] if numpy_output else out

    return captum_integrated_gradients


def hand_written_without_imports(model, input_tensor, target_class, baseline=None, steps=50):
    model.eval()
    b = torch.zeros_like(input_tensor) if baseline is None else baseline
    alphas = (torch.arange(steps + 1) / steps).view(-1, 1, 1, 1)
    path = (b + alphas * (input_tensor - b)).requires_grad_(True)
    g = torch.autograd.grad(model(path)[:, target_class].sum(), path)[0]
    w = torch.full((steps + 1, 1, 1, 1), 1.0 / steps)
    w[0] = w[-1] = 0.5 / steps
    return (input_tensor - b) * (w * g).sum(0, keepdim=True)


def calls_the_answer_key(model, input_tensor, target_class, baseline=None, steps=50):
    from utils.reference import integrated_gradients

    IntegratedGradients(model)  # touching Captum does not make it allowed
    return integrated_gradients(model, input_tensor, target_class, baseline=baseline, steps=steps)


CHECKS = [stage05.check_captum_integrated_gradients_mnist, stage05.check_captum_integrated_gradients_imagenet]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("solution", [make(), make(numpy_output=True)], ids=["tensor", "numpy"])
def test_correct_solutions_pass(check, solution):
    check(solution)


@pytest.mark.parametrize("mistake", [
    make(n_steps=lambda s: 50, method="gausslegendre", rescale=False), make(rescale=False),
    make(n_steps=lambda s: s), make(method="riemann_right", n_steps=lambda s: s, rescale=False),
    make(use_baseline=False), make(predicted=True),
], ids=["Captum default", "no (S+1)/S factor", "n_steps = steps", "riemann_right", "ignored baseline",
        "predicted class"])
@pytest.mark.parametrize("check", CHECKS)
def test_typical_mistakes_fail(check, mistake):
    with pytest.raises(AssertionError, match="differs"):
        check(mistake)


def test_train_mode_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="differs|changed the model"):
        stage05.check_captum_integrated_gradients_imagenet(make(eval_mode=False))


@pytest.mark.parametrize("cheat, message", [(hand_written_without_imports, "did not use Captum"),
                                            (calls_the_answer_key, "answer key")])
def test_not_using_captum_or_calling_the_answer_key_fails(cheat, message):
    with pytest.raises(AssertionError, match=message):
        stage05.check_captum_integrated_gradients_mnist(cheat)


def test_leaving_a_hook_fails():
    def leaves_a_hook(model, input_tensor, target_class, baseline=None, steps=50):
        model.register_forward_hook(lambda *args: None)
        return make()(model, input_tensor, target_class, baseline, steps)

    with pytest.raises(AssertionError, match="hook"):
        stage05.check_captum_integrated_gradients_mnist(leaves_a_hook)


def test_a_stub_fails():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    for check in CHECKS:
        with pytest.raises(AssertionError, match="not implemented"):
            check(stub)
