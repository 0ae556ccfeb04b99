"""The `newsmon` command: a thin Click layer over the stages that do the work.

Owns argument parsing and what a person reads on a terminal (report, status, demo).
May import any package below it; nothing imports cli but `monitor.__main__`. SQL goes
through monitor.store.
"""
