"""Solutions written the way a student would, each classic mistake a switch (``make_counter(groups=False)``).

Shared by the tests of the visible checks (``tests/student/checks/``) and of the judge (``tests/judge/``), so that
both judge the same student code.
"""

import numpy as np
import torch
from torch import nn

from utils.hooks import feature_maps_and_gradients


def make_gradient(probability=False, absolute=False, predicted=False, times_input=False):
    def explain(model, input_tensor, target_class):
        model.eval()
        x = input_tensor.clone().detach().requires_grad_(True)
        out = model(x)
        if predicted:
            target_class = int(out.argmax())
        score = (out.softmax(dim=1) if probability else out)[0, target_class]
        (gradient,) = torch.autograd.grad(score, x)
        result = gradient * input_tensor if times_input else gradient
        return result.abs() if absolute else result

    return explain


def make_ig(rule="trapezoid", use_baseline=True, difference=True, batches="honest", default_batch=8):
    """IG over the path k/S; ``batches``: "honest", "ignored" (all points at once) or "restart" (weights per batch)."""

    def integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50, batch_size=None):
        model.eval()
        x = input_tensor.detach()
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline.detach()
        alphas = torch.arange(steps + 1, dtype=x.dtype) / steps
        weights = {"trapezoid": torch.cat([torch.tensor([0.5]), torch.ones(steps - 1), torch.tensor([0.5])]) / steps,
                   "left": torch.cat([torch.ones(steps), torch.zeros(1)]) / steps,
                   "mean": torch.ones(steps + 1) / (steps + 1)}[rule].to(x.dtype)
        size = steps + 1 if batches == "ignored" else (batch_size or default_batch)
        total = torch.zeros_like(x)
        for start in range(0, steps + 1, size):
            a, w = alphas[start:start + size], weights[start:start + size]
            if batches == "restart":
                w = weights[:len(a)]
            path = (b + a.view(-1, 1, 1, 1) * (x - b)).requires_grad_(True)
            (g,) = torch.autograd.grad(model(path)[:, target_class].sum(), path)
            total = total + (w.view(-1, 1, 1, 1) * g).sum(0, keepdim=True)
        return (x - b) * total if difference else total

    return integrated_gradients


def make_captum_ig(method="riemann_trapezoid", points=lambda s: s + 1, factor=True, use_baseline=True):
    from captum.attr import IntegratedGradients

    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
        model.eval()
        x = input_tensor.detach()
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline.detach()
        n = points(steps)
        kwargs = {} if method is None else {"method": method}
        result = IntegratedGradients(model).attribute(x, baselines=b, target=target_class, n_steps=n, **kwargs)
        return result * (steps + 1) / steps if factor else result

    return captum_integrated_gradients


def make_cam(rule, relu=True, absolute=False, relu_g=True, epsilon=0.0):
    def explain(model, x, class_idx, layer=None):
        A, g = feature_maps_and_gradients(model, x, class_idx, layer)
        if absolute:
            g = g.abs()
        if rule == "cam":
            weights = [m for m in model.modules() if isinstance(m, nn.Linear)][-1].weight.detach()[class_idx]
            weights = weights.abs() if absolute else weights
        elif rule == "gradcam":
            weights = g.mean(dim=(1, 2))
        else:
            d = 2 * g ** 2 + A.sum(dim=(1, 2), keepdim=True) * g ** 3 + epsilon
            alpha = torch.where(d != 0, g ** 2 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
            weights = (alpha * (torch.relu(g) if relu_g else g)).sum(dim=(1, 2))
        cam = torch.einsum("k,khw->hw", weights, A)
        cam = torch.relu(cam) if relu else cam
        cam = cam - cam.min()
        return cam / cam.max() if cam.max() > 0 else cam

    return explain


def cost_multipliers(steps, n_samples, ig_points=lambda s: s + 1, backward=2):
    per = 1 + backward
    ig = per * ig_points(steps)
    return {"CAM": 1, "Grad-CAM": per, "Grad-CAM++": per, "Integrated Gradients": ig, "SmoothGrad + IG": n_samples * ig,
            "SmoothGrad + Grad-CAM": per * n_samples, "SmoothGrad + Grad-CAM++": per * n_samples}


def make_rank_correlation(pearson=False, signed=False, always_abs=False, ordinal=False, guard="both",
                          numpy_only=False, nan_check=True):
    """Spearman via average ranks written by hand; ``guard``: "both", "a" (only map_a checked), "before_abs"."""
    import numpy as np

    def ranks(v):
        if ordinal:
            return np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float) + 1
        order = np.sort(v)
        return (np.searchsorted(order, v, "left") + np.searchsorted(order, v, "right") + 1) / 2

    def rank_correlation(map_a, map_b, absolute=True):
        if numpy_only:
            a, b = np.array(map_a.tolist()).ravel(), map_b.numpy().ravel()
        else:
            a = (map_a.detach().numpy() if isinstance(map_a, torch.Tensor) else np.asarray(map_a)).astype(float).ravel()
            b = (map_b.detach().numpy() if isinstance(map_b, torch.Tensor) else np.asarray(map_b)).astype(float).ravel()
        if nan_check and not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise ValueError("NaN")
        if guard == "before_abs" and (a.std() == 0 or b.std() == 0):
            return 0.0
        if (absolute and not signed) or always_abs:
            a, b = np.abs(a), np.abs(b)
        if guard == "both" and (a.std() == 0 or b.std() == 0):
            return 0.0
        if guard == "a" and a.std() == 0:
            return 0.0
        ra, rb = (a, b) if pearson else (ranks(a), ranks(b))
        ra, rb = ra - ra.mean(), rb - rb.mean()
        return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))

    return rank_correlation


def make_counter(per_mac=1, linear=True, groups=True, input_size_everywhere=False, once_per_module=False,
                 keep_hooks=False, numpy_int=False):
    def count_flops_forward(model, in_ch, H, W):
        total, seen = 0, set()

        def hook(module, inputs, output):
            nonlocal total
            if once_per_module and module in seen:
                return
            seen.add(module)
            if isinstance(module, nn.Conv2d):
                k_h, k_w = module.kernel_size
                g = module.groups if groups else 1
                spatial = H * W if input_size_everywhere else output.shape[-2] * output.shape[-1]
                total += module.in_channels // g * k_h * k_w * module.out_channels * spatial
            elif linear:
                total += module.in_features * output.numel()

        handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, in_ch, H, W))
        if not keep_hooks:
            for h in handles:
                h.remove()
        return np.int64(per_mac * total) if numpy_int else per_mac * total

    return count_flops_forward


# --- stage 09: the CAM variants and Expected Gradients --------------------------------------------------------

def _finish(raw, relu=True, normalise=True):
    m = torch.relu(raw) if relu else raw
    if not normalise:
        return m
    m = m - m.min()
    return m / m.max() if m.max() > 0 else m


def student_cam(weighting, relu=True, honour_raw=True):
    """A stage-09 CAM in the notebook's style (one image, (H', W')), ``weighting(A, g)`` giving (K,) or (K, H', W')."""
    from utils.hooks import feature_maps_and_gradients

    def explain(model, x, target, layer=None, raw=False):
        A, g = feature_maps_and_gradients(model, x, target, layer)
        w = weighting(A, g)
        m = (w[:, None, None] * A if w.dim() == 1 else w * A).sum(0)
        return m if raw and honour_raw else _finish(m, relu=relu)

    return explain


def xgrad(A, g):
    """XGrad-CAM's α_k = Σ_ij A^k_ij g^k_ij / Σ_ij A^k_ij, 0 where the channel's sum is 0."""
    s = A.sum(dim=(1, 2))
    return torch.where(s != 0, (A * g).sum(dim=(1, 2)) / torch.where(s != 0, s, torch.ones_like(s)), torch.zeros_like(s))


def HIRES(A, g):  # noqa: N802 (a weighting, named like the method)
    return g


def LAYER(A, g):  # noqa: N802
    return torch.relu(g)


def MEAN(A, g):  # noqa: N802 (Grad-CAM's spatial mean)
    return g.mean(dim=(1, 2))


def eg_student(alpha=None, multiply=True, one_baseline=False, seed_inside=False, use_generator=True):
    def expected_gradients(model, x, target, background, n_samples=64, generator=None):
        if seed_inside:
            torch.manual_seed(0)
        g = generator if use_generator else None
        index = torch.randint(len(background), (1 if one_baseline else n_samples,), generator=g)
        if one_baseline:
            index = index.expand(n_samples)
        a = torch.rand(n_samples, generator=g, dtype=x.dtype) if alpha is None else torch.full((n_samples,), alpha,
                                                                                                dtype=x.dtype)
        baselines = background[index]
        points = (baselines + a.view(-1, 1, 1, 1) * (x - baselines)).requires_grad_(True)
        model.eval()
        (grads,) = torch.autograd.grad(model(points)[:, target].sum(), points)
        return ((x - baselines) * grads if multiply else grads).mean(0, keepdim=True)

    return expected_gradients
