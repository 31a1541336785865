"""The visible checks of stage 08: ``check_rank_correlation`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest
import torch

from utils import checks

from tests.student_style import make_rank_correlation



def test_the_rank_check_passes_correct_solutions():
    import numpy as np
    import scipy.stats

    checks.check_rank_correlation(make_rank_correlation())

    def with_scipy(map_a, map_b, absolute=True):
        a = np.asarray(torch.as_tensor(np.asarray(map_a), dtype=torch.float64)).ravel()
        b = np.asarray(torch.as_tensor(np.asarray(map_b), dtype=torch.float64)).ravel()
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise ValueError("NaN in a map")
        a, b = (np.abs(a), np.abs(b)) if absolute else (a, b)
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            return 0.0
        return float(scipy.stats.spearmanr(a, b)[0])

    checks.check_rank_correlation(with_scipy)


def test_the_hand_worked_correlations_are_spearmans():
    """The expected values of the visible checks, worked out by hand, against SciPy."""
    import numpy as np
    import scipy.stats

    for a, b, absolute, rho, _ in checks.RANK_CASES:
        a, b = np.ravel(a), np.ravel(b)
        if absolute:
            a, b = np.abs(a), np.abs(b)
        assert scipy.stats.spearmanr(a, b)[0] == pytest.approx(rho, abs=1e-12)
    maps = [np.abs(m) for m in checks.CASCADE_MAPS]
    assert [scipy.stats.spearmanr(maps[0], m)[0] for m in maps[1:]] == pytest.approx(checks.CASCADE_RHO, abs=1e-12)


@pytest.mark.parametrize("mistake, message", [
    (make_rank_correlation(signed=True), "correlation of the signed maps"),
    (make_rank_correlation(always_abs=True), "with absolute=False compare the signed maps"),
    (make_rank_correlation(pearson=True), "Pearson's correlation of the values"),
    (make_rank_correlation(ordinal=True), "tied values got different ranks"),
    (make_rank_correlation(guard="a"), "map_b constant.*return 0.0"),
    (make_rank_correlation(guard="before_abs"), "constant after taking absolute values.*return 0.0"),
    (make_rank_correlation(numpy_only=True), "accept tensors and NumPy arrays alike"),
    (make_rank_correlation(nan_check=False), "raise ValueError"),
], ids=["signed by default", "absolute=False ignored", "Pearson", "ordinal ranks", "guard on map_a only",
        "guard before |.|", "tensors only", "NaN accepted"])
def test_rank_correlation_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_rank_correlation(mistake)
