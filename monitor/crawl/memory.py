"""Resident memory: large freed buffers go back to the system instead of staying in the heap.

A crawl holds many pages of 50-300 KB for a moment each (the response, the copy sent to a
worker, the text a worker decodes). glibc serves the first such buffers with their own memory
maps and frees them at once, but after the first large free it raises its threshold, and from
then on pages land in the heap, which it keeps: resident memory grew by every page that had
ever been in flight at the same time and stayed there. A fixed threshold keeps each large
buffer in its own map, returned when freed. Other C libraries have no mallopt: nothing happens.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_THRESHOLD = 128 * 1024  # glibc's default start; fixing it turns off the dynamic raise


def release_large_buffers() -> bool:
    """Fix glibc's mmap threshold for this process; False where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _THRESHOLD))
    except (OSError, AttributeError):
        return False
