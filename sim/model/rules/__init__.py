"""The model's rules as small pure functions, one per formula or decision of docs/ODD.md.

The agents (:mod:`sim.model.agents`) and the model (:mod:`sim.model.model`) gather what a
state observes and call these; every utility, threshold and update is here, with the work
behind it, one module per group of ODD sections (7 Submodels). ``from sim.model import rules``
then ``rules.support_value(...)`` reaches any of them. Closed forms used only for analysis and
tests are in :mod:`sim.model.formulas`.
"""

from sim.model.rules.choice import (
    logit_choice as logit_choice,
)
from sim.model.rules.choice import (
    logit_probabilities as logit_probabilities,
)
from sim.model.rules.dynamics import (
    akr_flip as akr_flip,
)
from sim.model.rules.dynamics import (
    alliance_utility as alliance_utility,
)
from sim.model.rules.dynamics import (
    consents as consents,
)
from sim.model.rules.dynamics import (
    normalisation_utility as normalisation_utility,
)
from sim.model.rules.dynamics import (
    renewed_until as renewed_until,
)
from sim.model.rules.dynamics import (
    revised_strength as revised_strength,
)
from sim.model.rules.dynamics import (
    revision as revision,
)
from sim.model.rules.dynamics import (
    shared_threat as shared_threat,
)
from sim.model.rules.dynamics import (
    supplier_utility as supplier_utility,
)
from sim.model.rules.dynamics import (
    threat as threat,
)
from sim.model.rules.dynamics import (
    triad_imbalanced as triad_imbalanced,
)
from sim.model.rules.fighting import (
    capitulates as capitulates,
)
from sim.model.rules.fighting import (
    ceasefire_agreed as ceasefire_agreed,
)
from sim.model.rules.fighting import (
    control_after_week as control_after_week,
)
from sim.model.rules.fighting import (
    lanchester_square_step as lanchester_square_step,
)
from sim.model.rules.fighting import (
    relax as relax,
)
from sim.model.rules.fighting import (
    reliability as reliability,
)
from sim.model.rules.fighting import (
    trust_update as trust_update,
)
from sim.model.rules.fighting import (
    tullock_share as tullock_share,
)
from sim.model.rules.pledges import (
    consultation_done as consultation_done,
)
from sim.model.rules.pledges import (
    may_join as may_join,
)
from sim.model.rules.pledges import (
    pledge_applies as pledge_applies,
)
from sim.model.rules.pledges import (
    pledge_covers as pledge_covers,
)
from sim.model.rules.strength import (
    arms_multiplier as arms_multiplier,
)
from sim.model.rules.strength import (
    military_strength as military_strength,
)
from sim.model.rules.strength import (
    projected_force as projected_force,
)
from sim.model.rules.strength import (
    risk_factor as risk_factor,
)
from sim.model.rules.strength import (
    supply_factor as supply_factor,
)
from sim.model.rules.strength import (
    weighted_volume as weighted_volume,
)
from sim.model.rules.ties import (
    DatedStatus as DatedStatus,
)
from sim.model.rules.ties import (
    dated_status as dated_status,
)
from sim.model.rules.ties import (
    noisy_or as noisy_or,
)
from sim.model.rules.ties import (
    pair_sign as pair_sign,
)
from sim.model.rules.utilities import (
    arms_surge_utility as arms_surge_utility,
)
from sim.model.rules.utilities import (
    attack_utility as attack_utility,
)
from sim.model.rules.utilities import (
    claim_share as claim_share,
)
from sim.model.rules.utilities import (
    expected_gain as expected_gain,
)
from sim.model.rules.utilities import (
    fight_utility as fight_utility,
)
from sim.model.rules.utilities import (
    hold_utility as hold_utility,
)
from sim.model.rules.utilities import (
    intervention_utility as intervention_utility,
)
from sim.model.rules.utilities import (
    marginal_territory_value as marginal_territory_value,
)
from sim.model.rules.utilities import (
    mediation_factor as mediation_factor,
)
from sim.model.rules.utilities import (
    mediation_utility as mediation_utility,
)
from sim.model.rules.utilities import (
    obligation_pull as obligation_pull,
)
from sim.model.rules.utilities import (
    sanction_utility as sanction_utility,
)
from sim.model.rules.utilities import (
    settle_utility as settle_utility,
)
from sim.model.rules.utilities import (
    show_of_force_utility as show_of_force_utility,
)
from sim.model.rules.utilities import (
    stand_down_utility as stand_down_utility,
)
from sim.model.rules.utilities import (
    support_value as support_value,
)
from sim.model.rules.utilities import (
    territory_value as territory_value,
)
from sim.model.rules.utilities import (
    valued_gain as valued_gain,
)
from sim.model.rules.utilities import (
    war_cost as war_cost,
)
from sim.model.rules.utilities import (
    weekly_attrition as weekly_attrition,
)
