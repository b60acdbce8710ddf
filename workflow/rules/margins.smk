rule population_margins:
    """gamma_ntk, gamma_ntk2 and gamma_gl of one dataset instance's population, with brackets."""
    input:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    output:
        table=f"{RESULTS}/margins/population/{{dataset}}/{{instance}}.csv",
    params:
        kind="population",
        margins=config["margins"],
    log:
        f"{RESULTS}/logs/margins/population/{{dataset}}/{{instance}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/population/{{dataset}}/{{instance}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/margins.py"


rule training_margins:
    """Per (seed, n): the NTK kernel machine's test error, training-set margins, memorizing network."""
    input:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    output:
        table=f"{RESULTS}/margins/training/{{dataset}}/{{instance}}.csv",
    params:
        kind="training",
        margins=config["margins"],
    log:
        f"{RESULTS}/logs/margins/training/{{dataset}}/{{instance}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/training/{{dataset}}/{{instance}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/margins.py"


rule frozen_margins:
    """LP margin over the m frozen initial directions, for each width of margins.frozen_widths."""
    input:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}.npz",
    output:
        table=f"{RESULTS}/margins/frozen/{{dataset}}/{{instance}}.csv",
    params:
        kind="frozen",
        margins=config["margins"],
    log:
        f"{RESULTS}/logs/margins/frozen/{{dataset}}/{{instance}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/frozen/{{dataset}}/{{instance}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/margins.py"


rule margin_table:
    """All instances' margin rows of one kind (population, training or frozen) in one tidy table."""
    input:
        tables=margin_tables,
    output:
        table=f"{RESULTS}/tables/margins_{{kind}}.csv",
    log:
        f"{RESULTS}/logs/margins_{{kind}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins_{{kind}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/concat_tables.py"


rule parity_margins:
    """Population margins of 2-sparse parity at one d of margins.parity_dims (claims M1-M3)."""
    output:
        table=f"{RESULTS}/margins/parity/d{{d}}.csv",
    params:
        margins=parity_margin_settings(),
    log:
        f"{RESULTS}/logs/margins/parity/d{{d}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins/parity/d{{d}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/lowrot.yaml"
    script:
        "../../scripts/parity_margins.py"
