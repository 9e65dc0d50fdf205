# The fake DMTCP's "LD_PRELOAD" for Python processes: dmtcp_launch / dmtcp_restart put this
# directory on PYTHONPATH, so every Python process of a computation loads dmtcpfake.preload at
# start-up (see ../README.md). Outside a computation it does nothing.
import os
import sys

_here = os.path.dirname(os.path.realpath(__file__))
if os.environ.get("DMTCPFAKE_COMP"):
    sys.path.insert(0, os.path.dirname(_here))
    try:
        from dmtcpfake import preload as _dmtcpfake_preload
        _dmtcpfake_preload.start()
    finally:
        del sys.path[0]


def _chain():
    """Run the sitecustomize this one hides, if any."""
    import importlib.machinery
    import importlib.util
    path = [p for p in sys.path if os.path.realpath(p or ".") != _here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)


_chain()
