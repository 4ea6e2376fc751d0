"""Protocol models: what a file in protocols/ may say, validated by pydantic.

A protocol is data: the dose rule, the phases of the course, the session length, the patient
instructions, the monitoring steps and the checkpoints, each tied to a reference or marked
as a ketplan default (a scheduling convention, not a sourced fact). Parsing is pure: the
caller reads the file and passes its text and name here.
"""

from __future__ import annotations

import tomllib
from enum import Enum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, model_validator

from ketplan.core.dosing import ESKETAMINE_DOSES_MG, RACEMIC_LIMIT_SOURCES, RACEMIC_MG_PER_KG_LIMITS, format_number
from ketplan.core.errors import ProtocolError

ESKETAMINE_MIN_OBSERVATION_MINUTES = 120  # SPRAVATO label and REMS: monitor for at least 2 hours


class Drug(str, Enum):
    esketamine = "esketamine"
    racemic_ketamine = "racemic-ketamine"


class Route(str, Enum):
    intranasal = "intranasal"
    iv = "iv"
    im = "im"
    sc = "sc"
    oral = "oral"


class Evidence(str, Enum):
    label = "label"
    rct = "rct"
    preliminary = "preliminary"


EVIDENCE_TEXT = {
    Evidence.label: "label (FDA-approved use)",
    Evidence.rct: "randomised controlled trials (off-label)",
    Evidence.preliminary: "PRELIMINARY evidence only (CANMAT level 3-4; off-label)",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Sourced(_Strict):
    """A rule with its sources, or a ketplan default that says why it is one."""

    sources: list[str] = Field(default_factory=list)
    ketplan_default: StrictBool = False
    why: str | None = None

    @model_validator(mode="after")
    def _has_basis(self):
        if not self.sources and not self.ketplan_default:
            raise ValueError("needs `sources` (reference ids) or `ketplan_default = true` with `why`")
        if self.ketplan_default and not self.why:
            raise ValueError("a ketplan default needs `why` (what the value is based on)")
        return self


class Reference(_Strict):
    citation: str = Field(min_length=3)
    doi: str | None = None
    url: str | None = None
    supports: str = ""

    @model_validator(mode="after")
    def _has_locator(self):
        if not self.doi and not self.url:
            raise ValueError("a reference needs a `doi` or a `url`")
        return self

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else (self.url or "")


class FixedDose(Sourced):
    kind: Literal["fixed"]
    first_dose_mg: StrictInt
    default_mg: StrictInt
    allowed_mg: list[StrictInt] = Field(min_length=1)
    older_adult_first_dose_mg: StrictInt | None = None
    older_adult_note: str | None = None
    escalate_only_after_first: StrictBool = True
    mg_per_device: StrictInt = 28
    # Which label indication the schedule follows: "trd" (day 1 56 mg) or "mdsi" (84 mg from day 1).
    label_indication: Literal["trd", "mdsi"] = Field(
        default="trd",
        description="The label indication the schedule follows: trd (day 1 56 mg) or mdsi (84 mg from day 1).",
    )

    @model_validator(mode="after")
    def _within_drug_limits(self):
        """The drug's rules, whatever a file says: 56/84 mg, 28 mg only as the warned older-adult start,
        84 mg as a first dose only for MDSI."""
        for value in [self.first_dose_mg, self.default_mg, *self.allowed_mg]:
            if value not in ESKETAMINE_DOSES_MG:
                raise ValueError(f"{value} mg is not an esketamine dose (allowed: 28, 56 or 84 mg)")
            if value == 28:
                raise ValueError(
                    "28 mg is only the older-adult first dose of the ex-US labels (older_adult_first_dose_mg = 28), "
                    "not a first_dose_mg, default_mg or allowed_mg"
                )
        if self.default_mg not in self.allowed_mg:
            raise ValueError(f"default_mg {self.default_mg} is not in allowed_mg {self.allowed_mg}")
        if self.first_dose_mg == 84 and self.label_indication != "mdsi":
            raise ValueError('84 mg is a first dose only for the MDSI indication (label_indication = "mdsi")')
        if self.older_adult_first_dose_mg is not None and self.older_adult_first_dose_mg != 28:
            raise ValueError("older_adult_first_dose_mg can only be 28 mg (the ex-US start at 65 or over)")
        if self.older_adult_first_dose_mg is not None and self.label_indication == "mdsi":
            raise ValueError(
                "older_adult_first_dose_mg: the ex-US labels give no older-adult dosing for MDSI "
                "(its dosing at 65 or over is not established)"
            )
        if self.mg_per_device != 28:
            raise ValueError("esketamine devices hold 28 mg")
        return self


class WeightDose(Sourced):
    kind: Literal["weight"]
    default_mg_per_kg: float = Field(gt=0)
    min_mg_per_kg: float = Field(gt=0)
    max_mg_per_kg: float = Field(gt=0)
    infusion_minutes: float | None = Field(default=None, gt=0, le=240)
    concentration_mg_per_ml: float | None = Field(default=None, gt=0, le=100)
    final_volume_ml: float | None = Field(default=None, gt=0, le=1000)
    # Session-by-session titration (e.g. Loo 2016: +0.1 mg/kg a session up to 0.5 mg/kg).
    titration_step_mg_per_kg: float | None = Field(default=None, gt=0, le=0.5)
    titrate_to_mg_per_kg: float | None = Field(default=None, gt=0)
    # Response-guided steps through fixed levels (e.g. KADS: 0.5, 0.6, 0.75, 0.9 mg/kg).
    titration_levels_mg_per_kg: list[float] | None = Field(
        default=None,
        min_length=2,
        max_length=8,
        description="Response-guided steps (KADS: 0.5, 0.6, 0.75, 0.9); at most one step a session, clinician confirms.",
    )

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min_mg_per_kg <= self.default_mg_per_kg <= self.max_mg_per_kg:
            raise ValueError(
                f"default_mg_per_kg {self.default_mg_per_kg:g} is not within "
                f"min_mg_per_kg {self.min_mg_per_kg:g} and max_mg_per_kg {self.max_mg_per_kg:g}"
            )
        if (self.titration_step_mg_per_kg is None) != (self.titrate_to_mg_per_kg is None):
            raise ValueError("give both `titration_step_mg_per_kg` and `titrate_to_mg_per_kg`, or neither")
        if self.titrate_to_mg_per_kg is not None and not (
            self.min_mg_per_kg <= self.titrate_to_mg_per_kg <= self.max_mg_per_kg
        ):
            raise ValueError("`titrate_to_mg_per_kg` must lie within min_mg_per_kg and max_mg_per_kg")
        levels = self.titration_levels_mg_per_kg
        if levels is not None:
            if self.titration_step_mg_per_kg is not None:
                raise ValueError("give `titration_levels_mg_per_kg` or `titration_step_mg_per_kg`, not both")
            if any(b <= a for a, b in pairwise(levels)):
                raise ValueError("`titration_levels_mg_per_kg` must rise step by step")
            if not (self.min_mg_per_kg <= levels[0] and levels[-1] <= self.max_mg_per_kg):
                raise ValueError("`titration_levels_mg_per_kg` must lie within min_mg_per_kg and max_mg_per_kg")
        return self


DoseRule = Annotated[FixedDose | WeightDose, Field(discriminator="kind")]


class Phase(Sourced):
    name: str = Field(min_length=1, max_length=40)
    sessions_per_week: StrictInt | None = Field(default=None, ge=1, le=3)
    interval_weeks: StrictInt | None = Field(default=None, ge=1, le=4)
    interval_weeks_allowed: list[StrictInt] | None = None
    weeks: StrictInt | None = Field(default=None, ge=1, le=104)
    open_ended: StrictBool = False
    min_gap_days: StrictInt = Field(default=2, ge=1, le=28)
    min_gap_is_convention: StrictBool = True
    note: str | None = None

    @model_validator(mode="after")
    def _one_rhythm(self):
        if (self.sessions_per_week is None) == (self.interval_weeks is None):
            raise ValueError("give exactly one of `sessions_per_week` or `interval_weeks`")
        if (self.weeks is None) == (not self.open_ended):
            raise ValueError("give either `weeks` or `open_ended = true`")
        if self.interval_weeks_allowed is not None:
            if self.interval_weeks is None or self.interval_weeks not in self.interval_weeks_allowed:
                raise ValueError("`interval_weeks` must be one of `interval_weeks_allowed`")
            if any(not 1 <= w <= 4 for w in self.interval_weeks_allowed):
                raise ValueError("`interval_weeks_allowed` values must be 1-4 weeks")
        if self.sessions_per_week is not None and self.min_gap_days * self.sessions_per_week > 7:
            raise ValueError(f"{self.sessions_per_week} sessions a week cannot keep {self.min_gap_days} days apart")
        return self


class Session(Sourced):
    administration_minutes: StrictInt | None = Field(default=None, ge=0, le=600)
    observation_minutes: StrictInt = Field(ge=0, le=720)
    administration_from_devices: StrictBool = False

    @model_validator(mode="after")
    def _administration(self):
        if self.administration_minutes is None and not self.administration_from_devices:
            raise ValueError("give `administration_minutes` or `administration_from_devices = true`")
        return self


class Instruction(Sourced):
    text: str = Field(min_length=3)
    before_minutes: StrictInt | None = Field(default=None, ge=0, le=2880)


class MonitoringStep(Sourced):
    text: str = Field(min_length=3)
    at_minutes: StrictInt | None = Field(default=None, ge=0, le=720)


class CheckpointWhen(str, Enum):
    before_first_session = "before-first-session"
    end_of_phase = "end-of-phase"
    after_each_session = "after-each-session"
    every_weeks = "every-weeks"
    course_weeks = "course-weeks"


class CheckpointRule(Sourced):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    title: str = Field(min_length=3)
    detail: str = ""
    when: CheckpointWhen
    phase: str | None = None
    phases: list[str] | None = None
    offset_days: StrictInt = Field(default=0, ge=-28, le=28)
    every_weeks: StrictInt | None = Field(default=None, ge=1, le=52)
    weeks: StrictInt | None = Field(default=None, ge=1, le=104)
    # Only in these care settings (e.g. REMS duties are outpatient only); None means every setting.
    settings: list[Literal["outpatient", "inpatient"]] | None = Field(
        default=None,
        description="Only in these care settings (REMS enrolment and forms: outpatient); unset means every setting.",
    )

    @model_validator(mode="after")
    def _fields_for_when(self):
        if self.when is CheckpointWhen.end_of_phase and not self.phase:
            raise ValueError("`end-of-phase` needs `phase`")
        if self.when is CheckpointWhen.every_weeks and (not self.every_weeks or not self.phases):
            raise ValueError("`every-weeks` needs `every_weeks` and `phases`")
        if self.when is CheckpointWhen.course_weeks and not self.weeks:
            raise ValueError("`course-weeks` needs `weeks`")
        return self


class ProtocolNote(Sourced):
    text: str = Field(min_length=3)


class Protocol(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    title: str = Field(min_length=3)
    drug: Drug
    route: Route
    evidence: Evidence
    evidence_note: str = ""
    indication: str = Field(min_length=2)
    default_for_route: StrictBool = False
    off_label: StrictBool = True
    dose: DoseRule
    phases: list[Phase] = Field(min_length=1)
    session: Session
    instructions: list[Instruction] = Field(default_factory=list)
    monitoring: list[MonitoringStep] = Field(default_factory=list)
    checkpoints: list[CheckpointRule] = Field(default_factory=list)
    warnings: list[ProtocolNote] = Field(default_factory=list)
    references: dict[str, Reference] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        fixed = isinstance(self.dose, FixedDose)
        if fixed != (self.drug is Drug.esketamine):
            raise ValueError("esketamine uses a `fixed` dose rule; racemic ketamine a `weight` dose rule")
        if self.drug is Drug.esketamine and self.route is not Route.intranasal:
            raise ValueError("esketamine is given intranasally")
        if self.drug is Drug.racemic_ketamine and self.route is Route.intranasal:
            raise ValueError("ketplan has no intranasal racemic ketamine protocol")
        if isinstance(self.dose, WeightDose):
            low, high = RACEMIC_MG_PER_KG_LIMITS[self.route.value]
            if self.dose.min_mg_per_kg < low or self.dose.max_mg_per_kg > high:
                raise ValueError(
                    f"dose: min_mg_per_kg-max_mg_per_kg {format_number(self.dose.min_mg_per_kg)}-{format_number(self.dose.max_mg_per_kg)} "
                    f"mg/kg is outside the {self.route.value} limit {format_number(low)}-{format_number(high)} mg/kg "
                    f"({RACEMIC_LIMIT_SOURCES[self.route.value]})"
                )
        if fixed and self.session.observation_minutes < ESKETAMINE_MIN_OBSERVATION_MINUTES:
            raise ValueError(
                f"session: observation_minutes {self.session.observation_minutes} is below the at least 2 hours "
                "(120 minutes) of monitoring the SPRAVATO label and REMS require after every dose"
            )
        if self.session.administration_from_devices and not fixed:
            raise ValueError("`administration_from_devices` applies to esketamine only")
        if self.evidence is Evidence.preliminary and not any("PRELIMINARY" in w.text for w in self.warnings):
            raise ValueError(
                "warnings: a preliminary-evidence protocol needs a [[warnings]] entry saying PRELIMINARY "
                "evidence (it is shown with every plan and export)"
            )
        open_ended = [p for p in self.phases if p.open_ended]
        if len(open_ended) > 1 or (open_ended and not self.phases[-1].open_ended):
            raise ValueError("only the last phase may be open-ended")
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("phase names must be unique")
        for rule in self.checkpoints:
            for name in ([rule.phase] if rule.phase else []) + (rule.phases or []):
                if name not in names:
                    raise ValueError(f"checkpoint {rule.id!r} names phase {name!r}, which is not one of {names}")
        for where, item in self._sourced_items():
            for key in item.sources:
                if key not in self.references:
                    raise ValueError(f"{where} cites {key!r}, which is not in [references]")
        return self

    def _sourced_items(self):
        yield "dose", self.dose
        yield "session", self.session
        for i, p in enumerate(self.phases):
            yield f"phases[{i}] ({p.name})", p
        for group in ("instructions", "monitoring", "checkpoints", "warnings"):
            for i, item in enumerate(getattr(self, group)):
                yield f"{group}[{i}]", item

    def phase_start_week(self, name: str) -> int:
        """The course week (1-based) in which phase `name` starts: after every fixed phase before it."""
        week = 1
        for phase in self.phases:
            if phase.name == name:
                return week
            week += phase.weeks or 0
        raise KeyError(name)

    @property
    def flexible_phase(self) -> Phase | None:
        """The last phase whose interval the clinician may choose (--every), if any."""
        flexible = [p for p in self.phases if p.interval_weeks_allowed]
        return flexible[-1] if flexible else None

    @property
    def weight_based(self) -> bool:
        return isinstance(self.dose, WeightDose)

    @property
    def evidence_text(self) -> str:
        return EVIDENCE_TEXT[self.evidence]


def parse_protocol(text: str, source: str) -> Protocol:
    """Parse and validate the TOML text of a protocol file. `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(f"{source}: not valid TOML: {error}") from None
    return protocol_from_data(data, source)


def protocol_from_data(data: dict, source: str) -> Protocol:
    try:
        return Protocol.model_validate(data)
    except ValidationError as error:
        raise ProtocolError(f"{source}: {_describe(error)}") from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item["loc"] if not str(part).startswith(("function-", "tagged-union")))
        where = where.replace(".fixed", "").replace(".weight", "")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        problems.append(f"{where}: {message}" if where else message)
    more = len(error.errors()) - 5
    if more > 0:
        problems.append(f"and {more} more")
    return "; ".join(problems)
