"""The model's vocabulary, defined once: actions, log entries, tie states, war outcomes.

Each is a ``Literal`` type, so the type checker refuses a misspelt action where the model
matches on one (an unknown action would otherwise silently do nothing), and a tuple of its
values for code that lists them (tests, the app, documentation).
"""

from __future__ import annotations

from typing import Literal, get_args

#: What a state can choose about one war or crisis (docs/ODD.md 7.5-7.8).
Action = Literal[
    "abstain",
    "show_of_force",
    "sanction",
    "intervene",
    "mediate",
    "supply_arms",
    "continue",
    "settle",
    "attack",
    "hold",
    "stand_down",
]
ACTIONS: tuple[Action, ...] = get_args(Action)

#: How a war ends.
WarOutcome = Literal["ceasefire", "capitulation"]
WAR_OUTCOMES: tuple[WarOutcome, ...] = get_args(WarOutcome)

#: What the model itself records in the action log besides the states' choices.
ModelEntry = Literal[
    "war",
    "pledge_honoured",
    "pledge_broken",
    "ceasefire",
    "capitulation",
    "cut_off",
    "resupplied",
    "dissolved",
]

#: What scheduled events record in the action log.
EventEntry = Literal[
    "mobilise",
    "arms_shipment",
    "tie_create",
    "tie_suspend",
    "tie_restore",
    "tie_cut",
    "sanction",
    "distraction",
    "ceasefire_proposal",
    "normalisation",
]

#: Every value of the ``action`` column of ``actions.csv``.
LogEntry = Action | ModelEntry | EventEntry
LOG_ENTRIES: tuple[str, ...] = tuple(
    dict.fromkeys((*ACTIONS, *get_args(ModelEntry), *get_args(EventEntry)))
)

#: A tie's state in a run: in force, suspended (may be restored), cut for good (by an event,
#: or left by the states' own choice), or outside its dates (before ``since``, from ``until``).
TieStatus = Literal["active", "suspended", "cut", "not_yet", "ended"]
TIE_STATUSES: tuple[TieStatus, ...] = get_args(TieStatus)

#: ATOP obligation of an alliance pledge (Leeds et al. 2002) and its territorial scope.
Obligation = Literal["defence", "offence", "neutrality", "non_aggression", "consultation"]
OBLIGATIONS: tuple[Obligation, ...] = get_args(Obligation)
Scope = Literal["own_territory", "any"]
