# lowrot: measurements of the scalings in Telgarsky (ICLR 2023). Run: snakemake --cores all
from snakemake.utils import min_version

min_version("9.0")


# The default config applies only when none is given: --configfile replaces it instead of being
# merged into it (a merge would mix the default sweeps into a smaller config).
if not config:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    sweep=r"[A-Za-z][A-Za-z0-9_]*",
    dataset=r"[A-Za-z][A-Za-z0-9_]*",
    instance=r"[A-Za-z0-9_.]+",
    m=r"\d+",
    seed=r"\d+",
    ext=r"png|pdf|svg",
    kind=r"population|training|frozen|parity",
    d=r"\d+",


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/margins.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        tables=[table(name) for name in ALL_TABLES],
        margin_tables=rules.margin_summary.output[1:],
        claims=rules.claims.output,
        figures=all_figures(),


# "[lowrot] progress: F of T jobs finished, elapsed ..., ETA ..." every 60 s (real runs only)
onstart:
    from lowrot import progress

    progress.start(workflow)
