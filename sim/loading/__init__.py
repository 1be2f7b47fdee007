"""Layer 2, loading: reading world and scenario files and checking them against each other.

Every input problem becomes a :class:`sim.schema.errors.InputError` of one line naming the file,
the field and what is allowed.
"""
