import copy

import torch


def vanilla_gradients(model, input_tensor, target_class):
    # Double precision throughout: a float64 copy of the network, so the caller's model stays as it was.
    net64 = copy.deepcopy(model).double().eval()
    point = input_tensor.detach().double().requires_grad_(True)
    logit = net64(point)[0, target_class]
    (slope,) = torch.autograd.grad(logit, point)
    return slope
