rule figure:
    """A figure drawn from aggregated tables only (lowrot.plots.FIGURES names the tables)."""
    input:
        unpack(figure_inputs),
    output:
        figures=report(
            expand(f"{FIGURES}/{{{{figure}}}}.{{ext}}", ext=config["figures"]["formats"]),
            caption="../report/figure.rst",
            category="Figures",
        ),
    params:
        config=figure_config,
    log:
        f"{RESULTS}/logs/figures/{{figure}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/{{figure}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/plot.py"


rule neurons_scatter:
    """Inner weights on coordinates 0 and 1 at initialization and at the end of GF."""
    input:
        weights=scatter_weights(),
    output:
        figures=report(
            figure_paths("neurons_scatter"),
            caption="../report/neurons_scatter.rst",
            category="Figures",
        ),
    params:
        figures=config["figures"],
        config=figure_config,
        sweep=config["figures"]["training_sweep"],
    log:
        f"{RESULTS}/logs/figures/neurons_scatter.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/neurons_scatter.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/plot_neurons.py"


rule rotation_histograms:
    """Histograms of per-neuron rotation (0-180 degrees, by mass and by count) at the end of training, one panel per width."""
    input:
        weights=rotation_weights(),
    output:
        figures=report(
            figure_paths("rotation_histograms"),
            caption="../report/rotation_histograms.rst",
            category="Figures",
        ),
    params:
        figures=config["figures"],
        config=figure_config,
        sweep=width_sweep(),
    log:
        f"{RESULTS}/logs/figures/rotation_histograms.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/rotation_histograms.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/plot_rotation.py"
