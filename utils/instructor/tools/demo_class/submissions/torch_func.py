from torch.func import grad


def vanilla_gradients(model, input_tensor, target_class):
    # Functional style: torch.func.grad of the target's logit as a function of the input.
    model.eval()

    def target_logit(image):
        return model(image)[0, target_class]

    return grad(target_logit)(input_tensor.detach())
