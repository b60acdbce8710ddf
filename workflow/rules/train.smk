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


rule train_coarse:
    """Stage 1 of a search sweep: the coarse n pass, every seed in one job (lowrot.pipeline.search)."""
    input:
        data=lambda w: expand(
            rules.dataset.output.data,
            dataset=w.dataset,
            instance=w.instance,
            seed=SEEDS,
        ),
    output:
        table=f"{RESULTS}/train/{SEARCH_JOB}/coarse.csv",
        weights=f"{RESULTS}/train/{SEARCH_JOB}/coarse.weights.npz",
    log:
        f"{RESULTS}/logs/train/{SEARCH_JOB}/coarse.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{SEARCH_JOB}/coarse.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=TRAIN_GPUS,
    params:
        train=train_params,
        search=search_params,
        seeds=SEEDS,
        state=f"{RESULTS}/resume/{SEARCH_JOB}/coarse",
    script:
        "../../scripts/train_search.py"


rule train_refine:
    """Stage 2 of a search sweep: n at the geometric midpoints around each seed's coarse crossings,
    written together with the coarse networks (the sweep's table and weights for the rest of the DAG).
    """
    input:
        data=rules.train_coarse.input.data,
        coarse=rules.train_coarse.output.table,
        coarse_weights=rules.train_coarse.output.weights,
    output:
        table=f"{RESULTS}/train/{SEARCH_JOB}/search.csv",
        weights=f"{RESULTS}/train/{SEARCH_JOB}/search.weights.npz",
    log:
        f"{RESULTS}/logs/train/{SEARCH_JOB}/refine.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{SEARCH_JOB}/refine.tsv"
    conda:
        "../envs/lowrot.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=TRAIN_GPUS,
    params:
        train=train_params,
        search=search_params,
        epsilons=config["analysis"]["epsilons"],
        state=f"{RESULTS}/resume/{SEARCH_JOB}/refine.pt",
    script:
        "../../scripts/train_search.py"
