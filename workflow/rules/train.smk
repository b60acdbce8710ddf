rule train:
    """One seed's networks at every n of the sweep, one width, one dataset instance (lowrot.pipeline.train).
    The execution keys are read from the config at run time: they are no params."""
    input:
        data=rules.dataset.output.data,
    output:
        table=f"{RESULTS}/train/{TRAIN_JOB}.csv",
        weights=f"{RESULTS}/train/{TRAIN_JOB}.weights.npz",
    log:
        f"{RESULTS}/logs/train/{TRAIN_JOB}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{TRAIN_JOB}.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=TRAIN_GPUS,
    params:
        train=train_params,
        sample_sizes=sweep_sample_sizes,
        state=f"{RESULTS}/resume/{TRAIN_JOB}.pt",
    script:
        "../../scripts/train.py"
