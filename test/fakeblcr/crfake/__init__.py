"""crfake: test stand-ins for BLCR (cr_run / cr_checkpoint / cr_restart).

See ../README.md.  The "kernel" side (reading /proc, writing and reading
context files, restoring PIDs, files and signal dispositions) lives in
checkpoint.py / restart.py; the cooperative in-process side that a test
application imports lives in libcr.py.
"""
