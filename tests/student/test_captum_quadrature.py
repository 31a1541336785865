"""utils.captum_quadrature reads Captum's rules as they are: checked against their closed forms."""

import numpy as np
import pytest

from utils.captum_quadrature import captum_points_and_weights


def test_riemann_trapezoid_is_equally_spaced_with_weights_summing_to_n_minus_1_over_n():
    points, weights = captum_points_and_weights("riemann_trapezoid", 9)
    np.testing.assert_allclose(points, np.linspace(0, 1, 9))
    np.testing.assert_allclose(weights, [0.5 / 9] + [1 / 9] * 7 + [0.5 / 9])
    assert sum(weights) == pytest.approx(8 / 9)


def test_gauss_legendre_is_numpys_rule_mapped_to_the_unit_interval():
    roots, legendre_weights = np.polynomial.legendre.leggauss(9)
    points, weights = captum_points_and_weights("gausslegendre", 9)
    np.testing.assert_allclose(sorted(points), (roots + 1) / 2, atol=1e-12)
    np.testing.assert_allclose(sorted(weights), sorted(legendre_weights / 2), atol=1e-12)
    assert 0 < min(points) and max(points) < 1
