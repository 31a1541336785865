"""Solutions written the way a student would, each classic mistake a switch (``make_counter(groups=False)``).

Shared by the tests of the visible checks (``test_visible_checks.py``) and of the hidden ones
(``test_grading_stageNN.py``), so that both judge the same student code.
"""

import numpy as np
import torch
from torch import nn


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
