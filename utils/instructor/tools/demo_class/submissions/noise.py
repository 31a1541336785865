import torch
def vanilla_gradients(model, input_tensor, target_class):
    return torch.randn(input_tensor.shape)
