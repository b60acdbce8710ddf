"""Draw one figure of the registry lowrot.pipeline.figures.FIGURES (the rule's name is figure_<name>)."""

from lowrot.jobs import job
from lowrot.pipeline.figures import draw_figure

sm = job(globals())
draw_figure(sm.params.name, dict(sm.input.items()), sm.params.config, sm.output.figures)
