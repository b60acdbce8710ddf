rule trajectories:
    """All training jobs' rows in one tidy table (one row per network x recorded event)."""
    input:
        tables=all_train_tables(),
    output:
        table=TRAJECTORIES,
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
