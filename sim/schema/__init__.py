"""Layer 1, the schema: what a world file and a scenario file may say, and the one input error.

Pure data definitions (pydantic models, Literal vocabularies, column names); nothing here reads
a file or runs the model.
"""
