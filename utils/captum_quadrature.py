"""The points α_k and weights w_k with which Captum's IntegratedGradients approximates ∫₀¹ … dα.

    IG_i ≈ (x_i − x'_i) · Σ_k w_k ∂F(x' + α_k (x − x'))/∂x_i

Captum keeps these rules in a private module (``captum.attr._utils.approximation_methods``);
this is the one place the course reaches into it, so that a Captum release that
moves it breaks one function with a message instead of a notebook.
"""

from __future__ import annotations


def captum_points_and_weights(method: str, n_steps: int) -> tuple[list[float], list[float]]:
    """(α_k, w_k), k = 1..n_steps, of Captum's ``method`` ("gausslegendre", "riemann_trapezoid", ...)."""
    try:
        from captum.attr._utils.approximation_methods import approximation_parameters
    except ImportError as error:
        raise ImportError(f"this Captum version keeps its quadrature rules elsewhere ({error}); install the "
                          "version pinned in pyproject.toml (make install).") from None
    step_sizes, alphas = approximation_parameters(method)
    return list(alphas(n_steps)), list(step_sizes(n_steps))
