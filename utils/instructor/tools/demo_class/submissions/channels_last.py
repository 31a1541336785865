import copy

import torch


def vanilla_gradients(model, input_tensor, target_class):
    # Channels-last memory layout (faster convolutions on many CPUs), on a copy of the model.
    layout = torch.channels_last
    net = copy.deepcopy(model).eval().to(memory_format=layout)
    image = input_tensor.detach().clone()
    if image.dim() == 4:
        image = image.contiguous(memory_format=layout)
    image.requires_grad_(True)
    net(image)[0, target_class].backward()
    return image.grad.contiguous()
