rule dataset:
    """One dataset file per (instance, seed): that seed's pool and the instance's test set (lowrot.pipeline.data)."""
    input:
        npz=npz_input,
    output:
        data=f"{RESULTS}/data/{{dataset}}/{{instance}}/seed{{seed}}.npz",
    log:
        f"{RESULTS}/logs/dataset/{{dataset}}/{{instance}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/dataset/{{dataset}}/{{instance}}/seed{{seed}}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        spec=instance_spec,
        master_seed=config["master_seed"],
    script:
        "../../scripts/make_data.py"
