"""Layer 4, experiments: one run, replicate ensembles, sweeps and their stored results."""
