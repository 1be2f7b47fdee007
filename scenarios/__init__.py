"""The built-in scenario files, installed with the package as ``sim.scenarios``."""
