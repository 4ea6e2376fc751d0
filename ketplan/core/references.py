"""Sources behind the numbers that live in code rather than in a protocol file.

Protocol files in protocols/ carry their own references; these are the ones the dose
engine itself rests on (the allowed range, the weight formulas, the unit factors).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    key: str
    citation: str
    doi: str | None = None
    url: str | None = None
    supports: str = ""

    @property
    def link(self) -> str:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url or ""


FAVA_2020 = Reference(
    key="fava2020",
    citation="Fava M et al. Mol Psychiatry 2020;25:1592-1603",
    doi="10.1038/s41380-018-0256-5",
    supports="IV racemic ketamine 0.1, 0.2, 0.5 and 1.0 mg/kg over 40 min studied: the allowed 0.1-1.0 mg/kg range",
)
SINGH_2016 = Reference(
    key="singh2016",
    citation="Singh JB et al. Am J Psychiatry 2016;173(8):816-826",
    doi="10.1176/appi.ajp.2016.16010037",
    supports="0.5 mg/kg over 40 min, twice or thrice weekly for up to 4 weeks",
)
ANDRADE_2017 = Reference(
    key="andrade2017",
    citation="Andrade C. Ketamine for depression, 4: in what dose, at what rate, by what route, for how long, "
    "and at what frequency? J Clin Psychiatry 2017;78(7):e852",
    url="https://www.psychiatrist.com/JCP/article/Pages/2017/v78n07/17f11738.aspx",
    supports="40-min infusions conventional; durations of 2-100 min reported",
)
DEVINE_1974 = Reference(
    key="devine1974",
    citation="Devine BJ. Drug Intell Clin Pharm 1974;8:650-655 (formula as given by GlobalRPh)",
    url="https://globalrph.com/medcalcs/adjusted-body-weight-ajbw-and-ideal-body-weight-ibw-calc/",
    supports="Ideal body weight 50 kg (male) / 45.5 kg (female) + 2.3 kg per inch over 60 in; "
    "adjusted weight IBW + 0.4 x (actual - IBW); actual weight when below IBW",
)
KETALAR_LABEL = Reference(
    key="ketalar",
    citation="Ketalar (ketamine hydrochloride injection) prescribing information, rev. 10/2024",
    url="https://fda.report/DailyMed/46dab560-8ecd-4d92-8c92-6baa2310b09b",
    supports="10, 50 and 100 mg/mL strengths; 100 mg/mL must be diluted before IV use",
)
YALE_BP_2024 = Reference(
    key="yale-bp-2024",
    citation="Blood pressure changes during ketamine infusion for depression. Gen Hosp Psychiatry 2024",
    doi="10.1016/j.genhosppsych.2024.07.001",
    supports="BP peaks ~40 min after start; older age and hypertension raise the risk of severe hypertension",
)
WHO_BMI = Reference(
    key="who-bmi",
    citation="WHO body-mass-index classification (obese: BMI >= 30 kg/m2)",
    url="https://etg-complete-oxy.netlify.app/cardiovascular/cvg_excess-body-weight-obesity-and-atherosclerotic-cardiovascular-disease-risk/c_cvg_excess-body-weight-obesity-and-atherosclerotic-cardiovascular-disease-risktopic_6",
    supports="BMI >= 30 kg/m2 is obese",
)
