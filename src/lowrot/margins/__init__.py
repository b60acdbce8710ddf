"""The margins defined in docs/science.md, each with a certified bracket and a solver status.

    kernel         -- γ_ntk,2 (L2 transport): the NTK kernel, its simplex QP, the kernel machine
    ntk            -- γ_ntk (sup-norm transport): Monte Carlo over v, convex program over q
    global_margin  -- γ_gl: column generation over neuron dictionaries, certified brackets
    lp             -- γ_gl's LP over a dictionary, result types, status words, parity-cube certificate
    pricing        -- γ_gl's pricing oracles: heuristic ascent and exact branch and bound
    bracket        -- result types, status words and the simplex helpers shared by the solvers
    frozen_lp      -- the LP over many frozen directions: column generation with exact pricing

Scales: γ_ntk,2 and γ_ntk are on the scale of their definitions in docs/science.md; γ_gl is on the scale of
the normalized margin min_i y_i g(x_i; W) / ||W||_F² (half the LP margin t of a unit-mass signed
measure of ReLU directions).
"""

from .bracket import CONVERGED_UNCERTIFIED, ITERATION_LIMIT, OPTIMAL, Bracket, project_simplex
from .global_margin import (
    NOT_SEPARABLE,
    SOLVER_ERROR,
    GlobalMarginResult,
    LPMarginResult,
    global_margin,
    lp_margin_fixed_directions,
    measure_margin,
    parity_cube_certificate,
    price_exact,
    sparse_sign_directions,
)
from .frozen_lp import FrozenLPResult, frozen_lp_margin
from .kernel import (
    KernelMarginResult,
    kernel_machine_predict,
    kernel_machine_scores,
    kernel_machine_test_error,
    kernel_margin,
    kernel_margin_batched,
    ntk_kernel,
)
from .ntk import NTKMarginResult, gaussian_directions, ntk_margin, ntk_margin_parity_cube

__all__ = [
    "FrozenLPResult",
    "frozen_lp_margin",
    "OPTIMAL",
    "ITERATION_LIMIT",
    "CONVERGED_UNCERTIFIED",
    "NOT_SEPARABLE",
    "SOLVER_ERROR",
    "Bracket",
    "project_simplex",
    "KernelMarginResult",
    "ntk_kernel",
    "kernel_margin",
    "kernel_margin_batched",
    "kernel_machine_scores",
    "kernel_machine_predict",
    "kernel_machine_test_error",
    "NTKMarginResult",
    "gaussian_directions",
    "ntk_margin",
    "ntk_margin_parity_cube",
    "GlobalMarginResult",
    "LPMarginResult",
    "global_margin",
    "lp_margin_fixed_directions",
    "measure_margin",
    "parity_cube_certificate",
    "price_exact",
    "sparse_sign_directions",
]
