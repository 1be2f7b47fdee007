"""Layer 3, the model: the Mesa model and its agents, the rules, wars, ties and metrics.

Reads only the schema (worlds, scenario events); knows nothing of files, runs or plots.
"""
