"""The study on top of the training library: the yardstick (evaluate), the quality curve, the searches and sweeps,
the comparison figures and tables, the command line with --publish, and what the notebooks need."""
