import torch
def vanilla_gradients(model, input_tensor, target_class):
    model.eval()
    x = input_tensor.detach().clone().requires_grad_(True)
    probs = torch.softmax(model(x), dim=1)
    probs[0, target_class].backward()
    return x.grad
