def vanilla_gradients(model, input_tensor, target_class):
    """The saliency map: the gradient of the class logit with respect to the input pixels."""
    if input_tensor.dim() != 4 or input_tensor.shape[0] != 1:
        raise ValueError(f"expected one image of shape (1, C, H, W), got {tuple(input_tensor.shape)}")
    was_training = model.training
    model.eval()
    try:
        image = input_tensor.detach().clone()
        image.requires_grad_(True)
        scores = model(image)
        n_classes = scores.shape[1]
        if not 0 <= target_class < n_classes:
            raise ValueError(f"target_class {target_class} is not one of the {n_classes} classes")
        # the raw logit of the class, no softmax
        chosen_score = scores[0, target_class]
        model.zero_grad()
        chosen_score.backward()
        saliency = image.grad.detach()
    finally:
        model.train(was_training)
    return saliency
