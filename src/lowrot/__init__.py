"""lowrot: measurements of the scalings in Telgarsky (ICLR 2023), shallow low-rotation ReLU networks.

Modules (one idea each):
    errors   -- the exception types users see
    config   -- loading and validating the workflow config against its schema
    data     -- datasets (k-sparse parity, neural collapse, external .npz), validation, hashing
    model    -- the network, its initialization, the logistic loss and the normalized margin
    metrics  -- measurements of a trained network (motion, rotation, feature selection)
    train    -- the batched full-batch gradient-descent (GF) trainer with checkpoints
    io       -- atomic file writes and tidy-table helpers
    plots    -- figures from aggregated tables
"""

__version__ = "0.1.0"
