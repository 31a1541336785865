"""The saliency explorer, driven headless from Python: every method renders, caching works,
stubs and errors become messages, and a second function set appears as a second row."""

import pytest
import torch

from utils.instructor import reference
from utils.explorer import saliency_explorer
from utils.names import METHOD_BY_NAME, METHODS


def compute_cam(model, x, class_idx, layer=None):
    return reference.cam(model, x, class_idx, layer=layer)[0]


def compute_gradcam(model, x, class_idx, layer=None):
    return reference.gradcam(model, x, class_idx, layer=layer)[0].numpy()


def compute_gradcam_plusplus(model, x, class_idx, layer=None):
    return reference.gradcam_plusplus(model, x, class_idx, layer=layer)


def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
    maps = [torch.as_tensor(explain(model, x + noise_std * torch.randn_like(x), class_idx)) for _ in range(n_samples)]
    return torch.stack(maps).mean(0)


FUNCTIONS = dict(vanilla_gradients=reference.vanilla_gradients, gradient_x_input=reference.gradient_x_input,
                 integrated_gradients=reference.integrated_gradients, make_baseline=reference.make_baseline,
                 compute_cam=compute_cam, compute_gradcam=compute_gradcam,
                 compute_gradcam_plusplus=compute_gradcam_plusplus, smoothgrad=smoothgrad,
                 compute_hirescam=reference.hirescam, compute_xgradcam=reference.xgradcam,
                 compute_layercam=reference.layercam, expected_gradients=reference.expected_gradients)


@pytest.fixture(scope="module")
def explorer():
    explorer = saliency_explorer(FUNCTIONS, render=False)
    explorer.steps.value, explorer.samples.value = 4, 2
    return explorer


def test_every_method_renders_on_the_mnist_model(explorer):
    explorer.methods.value = tuple(m.name for m in METHODS)
    explorer.render()
    failed = {name: o.message for (_, name), o in explorer.results.items() if not o.ok}
    assert not failed
    assert bytes(explorer.picture.value).startswith(b"\x89PNG") and explorer.progress.value == explorer.progress.max


def test_going_back_to_a_setting_is_served_from_the_cache(explorer):
    explorer.methods.value = ("Grad-CAM", "Integrated Gradients")
    explorer.render()
    first_picture, misses = bytes(explorer.picture.value), explorer.cache.misses
    explorer.image_choice.value = "digit 3"
    explorer.render()
    assert explorer.cache.misses == misses + 2
    explorer.image_choice.value = explorer.image_choice.options[0]
    hits = explorer.cache.hits
    explorer.render()
    assert explorer.cache.misses == misses + 2 and explorer.cache.hits == hits + 2
    assert bytes(explorer.picture.value) == bytes(first_picture)


def test_changing_a_parameter_recomputes_only_the_methods_that_use_it(explorer):
    explorer.methods.value = ("Grad-CAM", "Integrated Gradients")
    explorer.render()
    misses = explorer.cache.misses
    explorer.steps.value = 6
    explorer.render()
    assert explorer.cache.misses == misses + 1


def test_the_class_defaults_to_the_prediction_and_top5_sets_it(explorer):
    x = explorer.subject().x
    with torch.no_grad():
        predicted = int(explorer.model(x).argmax())
    assert explorer.class_index.value == predicted and len(explorer.top5.options) == 5
    second = explorer.top5.options[1][1]
    explorer.top5.value = second
    assert explorer.class_index.value == second
    explorer.top5.value = explorer.top5.options[0][1]


def test_a_class_out_of_range_is_a_message(explorer):
    explorer.class_index.value = 10
    explorer.render()
    assert "class 10 is out of range" in explorer.status.value and "0 to 9" in explorer.status.value
    explorer.class_index.value = 0


def test_a_stub_names_the_exercise_to_finish():
    def compute_gradcam(model, x, class_idx, layer=None):
        raise NotImplementedError()

    explorer = saliency_explorer(compute_gradcam=compute_gradcam, render=False)
    explorer.methods.value = ("Grad-CAM", "Grad-CAM++", "Vanilla gradients")
    explorer.render()
    assert "compute_gradcam is not implemented yet: finish the exercise `compute_gradcam` in 06_cam_family" \
        in explorer.results[("", "Grad-CAM")].message
    assert "needs compute_gradcam_plusplus" in explorer.results[("", "Grad-CAM++")].message
    assert explorer.results[("", "Vanilla gradients")].ok  # Captum stands in where the notebook has no function


def test_a_function_that_raises_is_an_error_message_and_the_rest_still_renders():
    def compute_cam(model, x, class_idx, layer=None):
        return {}["oops"]

    explorer = saliency_explorer(compute_cam=compute_cam, compute_gradcam=compute_gradcam, render=False)
    explorer.methods.value = ("CAM", "Grad-CAM")
    explorer.render()
    assert "compute_cam raised KeyError" in explorer.results[("", "CAM")].message
    assert explorer.results[("", "Grad-CAM")].ok and "KeyError" in explorer.status.value


def test_the_smoothgrad_stub_is_named_not_the_inner_method():
    def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
        raise NotImplementedError()

    explorer = saliency_explorer(compute_gradcam=compute_gradcam, smoothgrad=smoothgrad, render=False)
    explorer.methods.value = ("SmoothGrad + Grad-CAM",)
    explorer.render()
    assert "`smoothgrad`" in explorer.results[("", "SmoothGrad + Grad-CAM")].message


def test_an_instructor_sees_two_function_sets_side_by_side():
    def wrong_gradcam(model, x, class_idx, layer=None):
        return compute_gradcam(model, x, (class_idx + 1) % 10)

    explorer = saliency_explorer(compute_gradcam=wrong_gradcam, compare={"reference": {"compute_gradcam": compute_gradcam}},
                                 render=False)
    explorer.methods.value = ("Grad-CAM",)
    explorer.render()
    mine, theirs = explorer.results[("yours", "Grad-CAM")].value, explorer.results[("reference", "Grad-CAM")].value
    assert not torch.allclose(torch.as_tensor(mine), torch.as_tensor(theirs))


def test_feature_maps_show_every_channel_with_its_weight(explorer):
    explorer.layer.value = "act2"
    explorer.render_feature_maps()
    assert "16 channels of (28, 28) at act2" in explorer.features_status.value
    assert bytes(explorer.features_picture.value).startswith(b"\x89PNG")


def test_the_imagenet_model_with_a_baseline_from_make_baseline(explorer):
    explorer.model_choice.value = "EfficientNet-Lite0 (ImageNet)"
    assert explorer.image_choice.value == "chelsea" and "blur" in explorer.baseline.options
    explorer.methods.value = ("Integrated Gradients", "Grad-CAM")
    explorer.baseline.value, explorer.steps.value = "blur", 2
    explorer.render()
    assert all(o.ok for o in explorer.results.values()), explorer.status.value
    explorer.model_choice.value = "TinyGradCAMNet (MNIST)"


def test_unknown_function_names_are_refused():
    with pytest.raises(ValueError, match="unknown function name"):
        saliency_explorer(compute_gradcams=compute_gradcam, render=False)


def test_the_explorer_does_not_import_the_answer_key():
    import pathlib
    import re

    for path in pathlib.Path("utils/explorer").glob("*.py"):
        if path.name == "complexity_table.py":  # a maintainer's tool, excluded from the student bundle
            continue
        imports = re.compile(r"^\s*(from\s+utils(\.reference|\s+import\s+reference)|import\s+utils\.reference)",
                             re.MULTILINE)
        assert not imports.search(path.read_text()), path


def test_the_sanity_check_view_shows_the_map_change_when_top_layers_are_random():
    explorer = saliency_explorer({**FUNCTIONS, "randomize_layers": reference.randomize_layers,
                                  "rank_correlation": reference.rank_correlation}, render=False)
    explorer.sanity_method.value = "Vanilla gradients"
    assert explorer.sanity_layers.max == 4  # TinyGradCAMNet: three convolutions and a linear layer
    correlations = {}
    for n_layers in (0, 4):
        explorer.sanity_layers.value = n_layers
        explorer.render_sanity_check()
        assert explorer.sanity_picture.value
        correlations[n_layers] = float(explorer.sanity_result["rank_correlation"].value)
    assert correlations[0] == pytest.approx(1.0) and correlations[4] < 0.9, correlations


def test_the_sanity_check_view_names_the_exercise_when_randomize_layers_is_missing():
    explorer = saliency_explorer(FUNCTIONS, render=False)
    explorer.render_sanity_check()
    assert "randomize_layers" in explorer.sanity_status.value and "08_sanity_checks" in explorer.sanity_status.value


def test_the_image_is_loaded_once_per_choice_and_a_function_that_changes_its_input_cannot_change_it(monkeypatch):
    from utils.explorer import images

    loads = []
    real = images.subject
    monkeypatch.setattr(images, "subject", lambda *choice: loads.append(choice) or real(*choice))

    def compute_gradcam(model, x, class_idx, layer=None):
        result = reference.gradcam(model, x, class_idx, layer=layer)[0]
        x.mul_(0)  # a careless notebook function
        return result

    explorer = saliency_explorer(compute_gradcam=compute_gradcam, render=False)
    explorer.methods.value = ("Grad-CAM", "Vanilla gradients")
    before = explorer.subject().x.clone()
    explorer.render()
    explorer.render()
    assert torch.equal(explorer.subject().x, before)
    assert len(loads) == 1, f"the image was loaded {len(loads)} times for one choice"
    explorer.image_choice.value = "digit 3"
    explorer.subject()
    assert len(loads) == 2


def test_a_result_that_cannot_be_drawn_is_reported_after_the_figure_is_made():
    def compute_gradcam(model, x, class_idx, layer=None):
        return torch.zeros(3, 3, 3, 3)  # no map of any shape that can be shown

    explorer = saliency_explorer(compute_gradcam=compute_gradcam, render=False)
    explorer.methods.value = ("Grad-CAM",)
    explorer.render()
    assert explorer.results[("", "Grad-CAM")].message.startswith("cannot draw the result")
    assert "cannot draw the result" in explorer.status.value


# ---- stage 09's methods --------------------------------------------------------------------------------------

def test_expected_gradients_on_a_photo_draws_from_the_other_photos_with_the_seeded_generator():
    """The explorer's EG map is the notebook's function on the documented background (the course's other photos)
    with n draws from a generator seeded with EG_SEED: exactly the answer key's map for those arguments."""
    from utils.explorer import images
    from utils.explorer.methods import EG_SEED

    explorer = saliency_explorer(FUNCTIONS, render=False)
    explorer.model_choice.value = "EfficientNet-Lite0 (ImageNet)"
    explorer.image_choice.value, explorer.draws.value = "chelsea", 3
    explorer.methods.value = ("Expected Gradients",)
    explorer.render()
    outcome = explorer.results[("", "Expected Gradients")]
    assert outcome.ok, outcome.message
    background = images.background("imagenet", "chelsea")
    assert background.shape == (4, 3, 224, 224)  # the other four photos
    x, c = explorer.subject().x, explorer.class_index.value
    assert not any(torch.equal(b, x[0]) for b in background)
    expected = reference.expected_gradients(explorer.model, x, c, background, 3, torch.Generator().manual_seed(EG_SEED))
    assert outcome.value.shape == (1, 3, 224, 224) and outcome.value.abs().sum() > 0
    torch.testing.assert_close(outcome.value, expected)
    misses = explorer.cache.misses
    explorer.draws.value = 6  # a new n is a new map
    explorer.render()
    assert explorer.cache.misses == misses + 1
    assert not torch.equal(explorer.results[("", "Expected Gradients")].value, outcome.value)


def test_stage_09_cams_render_and_expected_gradients_falls_back_to_captum():
    explorer = saliency_explorer(render=False)  # a notebook that passes none of stage 09's functions
    explorer.methods.value = ("HiResCAM", "Expected Gradients")
    explorer.render()
    hirescam, eg = explorer.results[("", "HiResCAM")], explorer.results[("", "Expected Gradients")]
    assert hirescam.not_done and "compute_hirescam" in hirescam.message and "09_beyond_gradcam" in hirescam.message
    assert eg.ok and eg.value.shape == (1, 1, 28, 28)
    assert explorer.rows[""].label(METHOD_BY_NAME["Expected Gradients"]) == "Expected Gradients (Captum)"


def test_hirescam_equals_gradcam_at_the_last_layer_of_a_global_average_pool_head():
    """TinyGradCAMNet's head is global average pooling and a linear layer: at its last feature map the two agree."""
    explorer = saliency_explorer(FUNCTIONS, render=False)
    explorer.methods.value = ("Grad-CAM", "HiResCAM", "XGrad-CAM", "LayerCAM")
    explorer.render()
    maps = {name: torch.as_tensor(explorer.results[("", name)].value).squeeze() for name in explorer.methods.value}
    torch.testing.assert_close(maps["HiResCAM"], maps["Grad-CAM"], rtol=1e-4, atol=1e-5)
    assert all(explorer.results[("", name)].ok for name in maps)


def test_the_sanity_check_view_runs_expected_gradients():
    explorer = saliency_explorer({**FUNCTIONS, "randomize_layers": reference.randomize_layers,
                                  "rank_correlation": reference.rank_correlation}, render=False)
    explorer.sanity_method.value, explorer.draws.value = "Expected Gradients", 8
    explorer.sanity_layers.value = 4
    explorer.render_sanity_check()
    assert explorer.sanity_result["trained"].ok and explorer.sanity_result["randomised"].ok
    assert -1 <= float(explorer.sanity_result["rank_correlation"].value) <= 1
