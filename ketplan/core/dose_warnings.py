"""The warnings (and the few refusals) the evidence attaches to an age, a dose level or a body size.

Each number here is either sourced (named beside it) or a labelled ketplan default: a threshold
ketplan chose for decision support, shown as such in every message that uses it, never a rule
that the sources set.
"""

from __future__ import annotations

from ketplan.core.errors import InputError, ref

MIN_AGE, MAX_AGE, OLDER_ADULT_AGE = 18, 120, 65

# Andrade 2017: 0.5 mg/kg is usual, "others may require up to 0.75 mg/kg". Fava 2020 gave 1.0 mg/kg
# only as a single infusion: repeated infusions above 0.75 mg/kg are unstudied.
REPEATED_STUDIED_MAX_MG_PER_KG = 0.75

# ketplan defaults (no source sets them): above this actual weight a height is required so that
# BMI and ideal/adjusted weight are on the page before a mg/kg dose is multiplied by it.
HEIGHT_REQUIRED_ABOVE_KG = 120.0
# ketplan defaults: an absolute dose per session above these figures carries an alert. IV/IM/SC:
# 100 mg is 1.0 mg/kg (the top of Fava's range) at 100 kg. Oral: 300 mg is the largest fixed oral
# dose Andrade 2019 reports (25-300 mg).
ABSOLUTE_DOSE_ALERT_MG = {"iv": 100.0, "im": 100.0, "sc": 100.0, "oral": 300.0}

_RACEMIC_OLDER = (
    "the racemic ketamine trials enrolled adults aged 18-64 (Singh 2016) and 18-70 (Fava 2020), and in "
    "the Yale chart review (2024) older age and hypertension raised the risk of severe blood-pressure "
    "rises during IV infusions: monitor blood pressure closely."
)
_ESKETAMINE_OLDER = (
    "esketamine exposure (Cmax and AUC) is higher in older patients (US label), and a systolic rise of "
    "40 mmHg or more was seen in 17% of patients 65 or over on esketamine vs 2% on placebo: monitor "
    "blood pressure closely."
)


def check_age(age: int | None, route: str | None = None) -> tuple[str, ...]:
    """Refuse minors and implausible ages; return the warnings an age carries on this route
    ("intranasal" is esketamine; iv, im, sc and oral are racemic ketamine)."""
    if age is None:
        return ()
    if isinstance(age, bool) or not isinstance(age, int):
        raise InputError(f"{ref('age')} must be a whole number of years", "age")
    if age < MIN_AGE:
        raise InputError(
            f"{ref('age')} {age} is under {MIN_AGE}: ketplan plans for adults only (esketamine is approved "
            "for adults only, and the racemic ketamine studies enrolled adults)",
            "age",
        )
    if age > MAX_AGE:
        raise InputError(f"{ref('age')} {age} is not a plausible age (at most {MAX_AGE})", "age")
    if age < OLDER_ADULT_AGE:
        return ()
    if route == "intranasal":
        return (f"Age {age} (65 or over): {_ESKETAMINE_OLDER}",)
    if route is None:
        return (
            f"Age {age} (65 or over): higher drug exposure and larger blood-pressure rises are reported in "
            "older patients; monitor blood pressure closely.",
        )
    return (f"Age {age} (65 or over): {_RACEMIC_OLDER}",)


def repeated_dose_warning(mg_per_kg: float, route: str) -> str | None:
    """IV above 0.75 mg/kg: studied only as a single infusion (Fava 2020)."""
    if route != "iv" or mg_per_kg <= REPEATED_STUDIED_MAX_MG_PER_KG:
        return None
    return (
        f"{mg_per_kg:g} mg/kg IV: doses above 0.75 mg/kg were studied only as a single infusion (Fava 2020, "
        "up to 1.0 mg/kg); repeating them in a course is unstudied (Andrade 2017: 0.5 mg/kg is usual, "
        '"others may require up to 0.75 mg/kg").'
    )


def check_height_given(actual_kg: float, height_cm: float | None) -> None:
    """Above the ketplan-default weight, refuse to dose without a height (BMI, ideal weight)."""
    if height_cm is None and actual_kg > HEIGHT_REQUIRED_ABOVE_KG:
        raise InputError(
            f"{ref('weight')} {actual_kg:.1f} kg is above {HEIGHT_REQUIRED_ABOVE_KG:g} kg (a ketplan default "
            f"threshold): give {ref('height')} (and {ref('sex')}) so that BMI and ideal/adjusted body weight can "
            f"inform the dosing-weight basis ({ref('dosing_weight')})",
            "height",
        )


def absolute_dose_alert(dose_mg: float, route: str) -> str | None:
    limit = ABSOLUTE_DOSE_ALERT_MG.get(route)
    if limit is None or dose_mg <= limit:
        return None
    return (
        f"Large absolute dose: {dose_mg:.1f} mg per session is above {limit:g} mg (a ketplan default alert "
        "threshold, not a sourced limit): check the weight, its unit and the dosing-weight basis."
    )
