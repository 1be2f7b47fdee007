"""Every size a user can ask for, bounded in one place.

The scenario schema, the command-line flags and the sweep planner all read these, so a number
refused in a file is refused on the command line too, and nothing big is allocated or written
before the request has been checked against them.
"""

from __future__ import annotations

#: Weekly steps of one run.
MAX_STEPS = 1000
#: Replicates of a scenario, or per design point of a sweep.
MAX_REPLICATES = 100_000
#: Largest number a scenario may set: anything bigger is a typo, not a figure.
MAX_FIGURE = 1e6
#: Largest world or scenario file read (bytes); a bigger file is refused before it is read.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Base samples of a sampled sweep design (points for 'latin', N for 'sobol', trajectories
#: for 'morris').
MAX_SAMPLES = 100_000
#: Design points of a sweep (a grid's combinations, or a sampled design's rows).
MAX_DESIGN_POINTS = 1_000_000
#: Runs (points × replicates) a sweep starts without being told more: ``--max-runs`` raises it,
#: up to :data:`MAX_RUNS_HARD`.
MAX_RUNS_DEFAULT = 1_000_000
MAX_RUNS_HARD = 100_000_000
#: Worker processes of a local sweep (each holds about 150 MB).
MAX_WORKERS = 256
#: Runs per chunk of a sweep (a chunk's tables are held in memory).
MAX_CHUNK_SIZE = 10_000
#: Retries of a failed chunk.
MAX_RETRIES = 100
#: Chunks of a sweep (each is a file per table, and a line of the progress); the default chunk
#: size grows so that a sweep of up to :data:`MAX_RUNS_HARD` runs stays below it.
MAX_CHUNKS = 100_000
#: Class sessions a classroom hub holds open at once (each holds a model and its history).
MAX_CLASS_SESSIONS = 20
#: Hours without any change after which a class session gives up its place to a new class
#: (a teacher who never pressed Close does not keep the hub full for ever).
CLASS_IDLE_HOURS = 12
#: Students who may join one class session.
MAX_CLASS_STUDENTS = 60
#: Students who may share one state as a team.
MAX_TEAM = 6
#: Runs of the model's own agents a class's debrief compares the class with.
MAX_DEBRIEF_REPLICATES = 200
#: Characters of a student's name in a class session.
MAX_NAME_CHARS = 40
