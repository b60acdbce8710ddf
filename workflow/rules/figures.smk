rule trajectory_figure:
    input:
        table=TRAJECTORIES,
    output:
        figures=report(
            expand(
                f"{FIGURES}/{{{{figure}}}}.{{ext}}", ext=config["figures"]["formats"]
            ),
            caption="../report/trajectory_figure.rst",
            category="Training",
        ),
    log:
        f"{RESULTS}/logs/figures/{{figure}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/{{figure}}.tsv"
    """A figure drawn from the trajectory table only (no training state)."""
    wildcard_constraints:
        figure="test_error_vs_n|margin_vs_time|motion_vs_time|feature_selection",
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        figures=config["figures"],
    script:
        "../../scripts/plot_trajectories.py"


rule neurons_scatter:
    """Inner weights on coordinates 0 and 1 at initialization and at the end of GF."""
    input:
        weights=scatter_weights(),
    output:
        figures=report(
            figure_paths("neurons_scatter"),
            caption="../report/neurons_scatter.rst",
            category="Training",
        ),
    log:
        f"{RESULTS}/logs/figures/neurons_scatter.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/neurons_scatter.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        figures=config["figures"],
    script:
        "../../scripts/plot_neurons.py"
