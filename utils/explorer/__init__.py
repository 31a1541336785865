"""Interactive explorers for JupyterLab (ipywidgets): a saliency explorer and a complexity estimator.

Both take the methods as functions, so a notebook shows its own: the solutions in
the instructors' notebooks, a student's functions in the release. Nothing here
imports the answer key (``utils.instructor.reference``), which the student bundle does not ship.

    from utils.explorer import saliency_explorer, complexity_estimator
    saliency_explorer(compute_gradcam=compute_gradcam, smoothgrad=smoothgrad)
    complexity_estimator(count_flops_forward=count_flops_forward, cost_multipliers=cost_multipliers)
"""

from .complexity import ComplexityEstimator, complexity_estimator
from .saliency import SaliencyExplorer, saliency_explorer

__all__ = ["ComplexityEstimator", "SaliencyExplorer", "complexity_estimator", "saliency_explorer"]
