"""lowrot: measurements of the scalings in Telgarsky (ICLR 2023), shallow low-rotation ReLU networks.

Modules (one idea each):
    errors    -- the exception types users see
    config    -- loading and validating the workflow config against its schema
    data      -- datasets (k-sparse parity, neural collapse, external .npz), validation, hashing
    model     -- the network, its initialization, the logistic loss and the normalized margin
    metrics   -- measurements of a trained network (motion, rotation, feature selection)
    train     -- the batched full-batch gradient-descent (GF) trainer with checkpoints
    margins   -- gamma_ntk, gamma_ntk2, gamma_gl and frozen-direction LP margins with brackets
    stats     -- per-seed n*, slopes and small-sample intervals over seeds
    rules     -- verdict rules (equivalence and end-point rules, rivals)
    summaries -- aggregated tables of the regimes
    claims    -- the claim specification table and the claims table
    io        -- atomic file writes, reading tables
    tables    -- concatenation and canonical row order of tables
    jobs      -- plumbing of the scripts (job object, logging, tracebacks into the log)
    plots     -- drawing functions for figures from aggregated tables
    pipeline  -- the stage layer the scripts call (grid, data, train, margins, tables, analysis,
                 figures with the one registry of figures)
"""

import os

# Run-to-run reproducibility of MKL (torch's CPU BLAS) on any x86 CPU: conditional numerical
# reproducibility pins the code path for this CPU, so reduction order does not depend on memory
# alignment or dispatch. Set before torch loads MKL; a user's own MKL_CBWR setting wins.
os.environ.setdefault("MKL_CBWR", "AUTO")

__version__ = "0.1.0"
