rule population_margins:
    """gamma_ntk, gamma_ntk2 and gamma_gl of one dataset instance's population (its test set), with brackets."""
    input:
        data=first_seed_data,
    output:
        table=f"{RESULTS}/margins/population/{{dataset}}/{{instance}}.csv",
    log:
        f"{RESULTS}/logs/margins/population/{{dataset}}/{{instance}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/population/{{dataset}}/{{instance}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind="population",
        margins=grid.margin_settings(config, "population"),
    script:
        "../../scripts/margins.py"


rule training_margins:
    """Per n of one seed's pool: the NTK kernel machine's test error, training-set margins, memorizing network."""
    input:
        data=rules.dataset.output.data,
    output:
        table=f"{RESULTS}/margins/training/{{dataset}}/{{instance}}/seed{{seed}}.csv",
    log:
        f"{RESULTS}/logs/margins/training/{{dataset}}/{{instance}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/training/{{dataset}}/{{instance}}/seed{{seed}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind="training",
        margins=grid.margin_settings(config, "training"),
    script:
        "../../scripts/margins.py"


rule frozen_margins:
    """LP margin over the m frozen initial directions of one seed, for each width of margins.frozen_widths."""
    input:
        data=rules.dataset.output.data,
    output:
        table=f"{RESULTS}/margins/frozen/{{dataset}}/{{instance}}/seed{{seed}}.csv",
    log:
        f"{RESULTS}/logs/margins/frozen/{{dataset}}/{{instance}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/frozen/{{dataset}}/{{instance}}/seed{{seed}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind="frozen",
        margins=grid.margin_settings(config, "frozen"),
    script:
        "../../scripts/margins.py"


rule parity_margins:
    """Population margins of 2-sparse parity at one d of margins.parity_dims (claims M1-M3)."""
    output:
        table=f"{RESULTS}/margins/parity/d{{d}}.csv",
    log:
        f"{RESULTS}/logs/margins/parity/d{{d}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/parity/d{{d}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        margins=grid.margin_settings(config, "parity"),
    script:
        "../../scripts/parity_margins.py"
