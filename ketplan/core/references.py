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
    doi="10.4088/JCP.17f11738",
    supports='0.5 mg/kg usual, "others may require up to 0.75 mg/kg"; 40-min infusions conventional, 2-100 min reported',
)
DEVINE_1974 = Reference(
    key="devine1974",
    citation="Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655 (no DOI found; formula as "
    "reproduced by the GlobalRPh calculator, a secondary source)",
    url="https://globalrph.com/medcalcs/adjusted-body-weight-ajbw-and-ideal-body-weight-ibw-calc/",
    supports="Ideal body weight 50 kg (male) / 45.5 kg (female) + 2.3 kg per inch over 60 in; "
    "adjusted weight IBW + 0.4 x (actual - IBW); actual weight when below IBW",
)
KETALAR_LABEL = Reference(
    key="ketalar",
    citation="Ketalar (ketamine hydrochloride injection), Par Pharmaceutical, US prescribing information "
    "(DailyMed SPL set-id 14e8f864-8b8a-4e7e-8439-e510d3107063)",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=14e8f864-8b8a-4e7e-8439-e510d3107063",
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
    citation="World Health Organization: obesity and overweight, fact sheet (BMI classes)",
    url="https://www.who.int/news-room/fact-sheets/detail/obesity-and-overweight",
    supports="BMI >= 30 kg/m2 is obese",
)
LOO_2016 = Reference(
    key="loo2016",
    citation="Loo CK et al. Placebo-controlled pilot trial testing dose titration and intravenous, intramuscular and "
    "subcutaneous routes for ketamine in depression. Acta Psychiatr Scand 2016;134:48-56",
    doi="10.1111/acps.12572",
    supports="IM and SC titration from 0.1 mg/kg in 0.1 mg/kg steps up to 0.5 mg/kg: the IM limit 0.1-0.5 mg/kg",
)
KADS_2023 = Reference(
    key="kads2023",
    citation="Loo C et al. KADS: repeated subcutaneous ketamine for treatment-resistant depression. "
    "Br J Psychiatry 2023;223(6):533-541",
    doi="10.1192/bjp.2023.79",
    supports="SC 0.5 mg/kg, response-guided up to 0.9 mg/kg: with Loo 2016, the SC limit 0.1-0.9 mg/kg",
)
MESHKAT_2023 = Reference(
    key="meshkat2023",
    citation="Meshkat S et al. Oral ketamine for depression: an updated systematic review. World J Biol Psychiatry 2023",
    doi="10.1080/15622975.2023.2169349",
    supports="Oral doses of 0.5-1.25 mg/kg reviewed: the oral limit",
)
ANDRADE_2019 = Reference(
    key="andrade2019",
    citation="Andrade C. Oral ketamine for depression, 2: practical considerations. J Clin Psychiatry 2019 "
    "(publisher's page; no DOI found)",
    url="https://www.psychiatrist.com/jcp/depression/oral-ketamine-for-depression-practical-considerations/",
    supports="Fixed oral doses of 25-300 mg reported: the oral absolute-dose alert",
)
