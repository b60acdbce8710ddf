import os

import torch

# Deterministic, small thread count for the suite on a 2-core machine.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")
