"""Resident memory: freed memory goes back to the system instead of staying in the heap.

A crawl holds many pages of 50-300 KB for a moment each (the response, the copy sent to a
worker, the text a worker decodes). glibc serves the first such buffers with their own memory
maps and frees them at once, but after the first large free it raises its threshold, and from
then on pages land in the heap, which it keeps: resident memory grew by every page that had
ever been in flight at the same time and stayed there. A fixed threshold keeps each large
buffer in its own map, returned when freed.

Threads get heaps of their own (up to eight per core), each keeping what it ever held: the
pool's threads that pickle pages and unpickle results, Twisted's threads. Two heaps serve them
all. And a parsed page is many small nodes, freed in the middle of the heap where glibc never
returns them by itself: `trim` hands back the free pages. Other C libraries have no mallopt or
malloc_trim: nothing happens.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_M_ARENA_MAX = -8
_THRESHOLD = 128 * 1024  # glibc's default start; fixing it turns off the dynamic raise
_ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def release_large_buffers() -> bool:
    """Fix glibc's mmap threshold and cap its heaps for this process (before threads start);
    False where there is no glibc."""
    try:
        fixed = _LIBC.mallopt(_M_MMAP_THRESHOLD, _THRESHOLD)  # type: ignore[union-attr]
        return bool(fixed and _LIBC.mallopt(_M_ARENA_MAX, _ARENAS))  # type: ignore[union-attr]
    except AttributeError:
        return False


def trim() -> bool:
    """Return the heap's free pages to the system; False where there is no glibc."""
    try:
        return bool(_LIBC.malloc_trim(0))  # type: ignore[union-attr]
    except AttributeError:
        return False
