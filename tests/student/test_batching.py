"""The course's batch sizes (utils.batching): a fixed budget on a CPU, the free memory on a GPU (stood in for here)."""

import pytest
import torch

from utils.batching import auto_batch_size, batch_size_for, batch_slices

GIB = 1 << 30


def test_the_cpu_keeps_a_million_input_elements_and_at_most_256():
    assert auto_batch_size(torch.zeros(3, 224, 224), 51) == 6         # 1,048,576 // 150,528
    assert auto_batch_size(torch.zeros(1, 28, 28), 1275) == 256
    assert auto_batch_size(torch.zeros(3, 1024, 1024), 51) == 1       # never 0


@pytest.mark.parametrize("free, total, expected", [
    (139 * GIB, 1632, 242),   # an H200: (139 GiB / 4) // (256 × 602,112 bytes) = 242.07
    (16 * GIB, 1632, 27),     # 4 GiB // 154,140,672 = 27.9
    (100 << 20, 51, 1),       # almost nothing free: one at a time, never 0
    (139 * GIB, 51, 51),      # never more than there is
])
def test_a_gpu_uses_a_quarter_of_its_free_memory(free, total, expected):
    assert batch_size_for(3 * 224 * 224, total, "cuda", free_bytes=lambda device: free) == expected


def test_the_free_memory_is_read_for_the_device_asked_about():
    asked = []
    batch_size_for(784, 10, "cuda:1", free_bytes=lambda device: asked.append(device) or GIB)
    assert asked == [torch.device("cuda", 1)]


def test_float64_inputs_count_twice_the_bytes():
    free = lambda device: 139 * GIB  # noqa: E731
    assert batch_size_for(150528, 1632, "cuda", element_size=8, free_bytes=free) == 121


def test_slices_cover_everything_once():
    assert list(batch_slices(7, 3)) == [slice(0, 3), slice(3, 6), slice(6, 7)]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA; the GPU rule is tested above with a stand-in")
def test_on_a_real_gpu_the_batch_follows_its_free_memory():
    example = torch.zeros(3, 224, 224, device="cuda")
    free = torch.cuda.mem_get_info()[0]
    assert auto_batch_size(example, 10**6) == max(1, (free // 4) // (256 * 602112))
