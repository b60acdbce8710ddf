# One rule per figure of the registry lowrot.pipeline.figures.FIGURES that this config can draw,
# each with exactly its inputs, the config keys it reads and its own caption file.
for name in active_figures(config):

    rule:
        name:
            f"figure_{name}"
        input:
            **figure_inputs(name),
        output:
            figures=report(
                figure_paths(name),
                caption=f"../report/figures/{name}.rst",
                category="Figures",
            ),
        log:
            f"{RESULTS}/logs/figures/{name}.log",
        benchmark:
            f"{RESULTS}/benchmarks/figures/{name}.tsv"
        group:
            "figures"
        conda:
            "../envs/lowrot.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            name=name,
            config=figure_config(config, name),
        script:
            "../../scripts/plot.py"
