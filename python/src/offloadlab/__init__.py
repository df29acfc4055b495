"""OffloadLab from Python: runs the `offload` tool and returns numpy arrays and pandas
DataFrames (docs/python.md).

    import offloadlab as ol
    solution = ol.modes.solve(buffer=20)          # built-in model: policy and thresholds
    table = ol.modes.delay(buffer=20).policies    # exact delays of each policy
    model = ol.MDPModel.from_actions(P, costs)    # your own MDP from arrays
    result = ol.mdp.solve(model, discount=0.95)   # certified values and policy
"""

from . import mdp, modes
from .errors import (
    NotConvergedError,
    OffloadError,
    OffloadNotFoundError,
    OffloadTimeoutError,
    OffloadUsageError,
    OffloadWarning,
)
from .files import ModelFormatError, read_model, write_model
from .model import MarkovChain, MDPModel
from .prism import read_prism
from .runner import Offload, command, locate_binary

__all__ = [
    "MDPModel",
    "MarkovChain",
    "ModelFormatError",
    "NotConvergedError",
    "Offload",
    "OffloadError",
    "OffloadNotFoundError",
    "OffloadTimeoutError",
    "OffloadUsageError",
    "OffloadWarning",
    "command",
    "locate_binary",
    "mdp",
    "modes",
    "read_model",
    "read_prism",
    "write_model",
    "version",
]


def version(offload: Offload | str | None = None) -> str:
    """The version of the `offload` tool (`offload --version`)."""
    from .runner import resolve

    return resolve(offload).version()
