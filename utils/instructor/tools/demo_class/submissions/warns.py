import warnings
def vanilla_gradients(model, input_tensor, target_class):
    warnings.warn("a harmless warning printed to stderr")
    model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad
