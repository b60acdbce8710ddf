"""Which aggregated tables (results/tables/<name>.csv) each figure of lowrot.plots reads.

Kept apart from lowrot.plots so that the Snakefile can plan figure jobs without importing matplotlib.
A table in OPTIONAL_TABLES is read only when the workflow produces it (workflow/rules/common.smk,
``figure_inputs``); the figure then draws from it instead of its fallback.
"""

OPTIONAL_TABLES = {"margins_parity"}

FIGURE_TABLES = {
    "test_error_vs_n": ["trajectories"],
    "margin_vs_time": ["trajectories", "margins_population"],
    "motion_vs_time": ["trajectories"],
    "feature_selection": ["trajectories"],
    "error_collapse": ["final_networks"],
    "n_star_vs_d": ["sample_complexity", "exponents"],
    "motion_vs_width": ["width_stats", "width_fits"],
    "rotation_vs_width": ["width_stats", "width_fits"],
    "nc_sample_complexity": ["final_networks", "sample_complexity", "exponents"],
    "margins_vs_d": ["margins_population", "margin_exponents", "margins_parity"],
    "frozen_margin_vs_width": ["margins_frozen", "margins_population"],
    "n_star_vs_inverse_margin_sq": ["sample_complexity", "margins_population", "margins_frozen", "final_networks"],
    "gf_margin_vs_d": ["trajectories", "margins_population"],
    "norot_margin_convergence": ["trajectories"],
}
