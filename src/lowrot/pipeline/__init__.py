"""The stage layer: one module per rule file of workflow/rules/ (grid for the Snakefile's planning;
data, train, margins, tables, analysis, figures for the jobs). The scripts in scripts/ call only
these modules; each stage function reads its inputs, calls the library and writes its outputs
atomically (lowrot.io), so a killed job leaves no output that Snakemake would accept.

Importing this package imports nothing heavy: the Snakefile imports ``grid`` and ``figures`` at
every parse, without torch or matplotlib.
"""
