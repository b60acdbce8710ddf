rule trajectories:
    """All training jobs' rows in one tidy table (one row per network x recorded event)."""
    input:
        tables=all_train_tables(),
    output:
        table=f"{RESULTS}/tables/trajectories.csv",
    log:
        f"{RESULTS}/logs/trajectories.log",
    benchmark:
        f"{RESULTS}/benchmarks/trajectories.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/concat_tables.py"


rule margin_table:
    """All margin rows of one kind (population, training, frozen or parity) in one tidy table."""
    input:
        tables=margin_tables,
    output:
        table=f"{RESULTS}/tables/margins_{{kind}}.csv",
    log:
        f"{RESULTS}/logs/margins_{{kind}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/margins_{{kind}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/concat_tables.py"
