"""`newsmon sources add URL`: look at an outlet's page once and propose a `[[sources]]` block.

The pure parts (reading pages and listings, inferring the link pattern, writing the block) are
apart from the one module that speaks HTTP (`monitor.probe.fetch`), so they are unit-tested.
"""
