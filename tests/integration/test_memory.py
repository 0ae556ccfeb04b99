"""The memory setting the crawling process and the workers apply at start."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

SCRIPT = """
import ctypes
from monitor.crawl.memory import release_large_buffers
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if {apply}:
    assert release_large_buffers()
pages = [bytes(180_000) + bytes([n % 256]) for n in range(200)]
del pages  # the first large frees: glibc raises its threshold unless it was fixed
pages = [bytes(180_000) + bytes([n % 256]) for n in range(200)]
print(libc.mallinfo2().hblkhd, libc.mallinfo2().arena)
"""


def buffers(apply: bool) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(apply=apply)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    mapped, heap = map(int, out.stdout.split())
    return mapped, heap


def test_large_pages_stay_in_maps_of_their_own_that_are_returned_when_freed():
    mapped, heap = buffers(apply=True)
    assert mapped >= 200 * 180_000 and heap < 20_000_000
    # Without the setting the same pages go to the heap, which glibc keeps.
    mapped, heap = buffers(apply=False)
    assert heap >= 200 * 180_000 and mapped < 20_000_000


TRIM = """
import ctypes
from monitor.crawl.memory import release_large_buffers, trim
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
assert release_large_buffers()
nodes = [bytes(2000) + bytes([n % 256]) for n in range(20_000)]  # a parsed page: small pieces
keep = nodes[-1]
del nodes  # freed below the last one kept: glibc cannot shrink its heap's top
before = open("/proc/self/status").read().split("VmRSS:")[1].split()[0]
print(int(trim()), before, open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
"""


def test_trim_hands_back_the_free_pages_in_the_middle_of_the_heap():
    out = subprocess.run(
        [sys.executable, "-c", TRIM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    released, before, after = map(int, out.stdout.split())
    assert released == 1
    assert int(before) - int(after) >= 20_000  # kB: most of the 40 MB freed
