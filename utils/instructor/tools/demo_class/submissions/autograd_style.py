import torch
def vanilla_gradients(model, input_tensor, target_class):
    model.eval()
    inp = input_tensor.clone().requires_grad_()
    with torch.enable_grad():
        logits = model(inp)
    grads, = torch.autograd.grad(logits[:, target_class].sum(), inp)
    return grads
