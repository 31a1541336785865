def vanilla_gradients(model, input_tensor, target_class):
    """Gradient of the score wrt the picture (my own version)."""
    if input_tensor.dim() != 4 or input_tensor.shape[0] != 1:
        raise ValueError(f"need a (1, C, H, W) batch, got {tuple(input_tensor.shape)}")
    mode_before = model.training
    model.eval()
    try:
        pic = input_tensor.detach().clone()
        pic.requires_grad_(True)
        out = model(pic)
        how_many = out.shape[1]
        if not 0 <= target_class < how_many:
            raise ValueError(f"class {target_class} out of range ({how_many} outputs)")
        # take our class's logit
        logit = out[0, target_class]
        model.zero_grad()
        logit.backward()
        grad_map = pic.grad.detach()
    finally:
        model.train(mode_before)
    return grad_map
