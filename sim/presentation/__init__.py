"""Layer 5, presentation: the command line, plots, reports, the classroom app and its helpers."""
