import torch


def vanilla_gradients(model, input_tensor, target_class):
    """Works for a whole batch at once: one target per row, one backward pass for all of them."""
    model.eval()
    batch = input_tensor.detach().clone().requires_grad_(True)
    targets = torch.full((batch.shape[0],), int(target_class), dtype=torch.long)
    chosen = model(batch).gather(1, targets.unsqueeze(1))
    chosen.sum().backward()
    return batch.grad
