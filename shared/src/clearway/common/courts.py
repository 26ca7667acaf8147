"""California's superior courts: one per county, court code "CA-<abbreviation>"."""
from __future__ import annotations

# ---------------------------------------------------------------------------------------

COUNTIES: dict[str, str] = {
    "CA-ALA": "Alameda",
    "CA-ALP": "Alpine",
    "CA-AMA": "Amador",
    "CA-BUT": "Butte",
    "CA-CAL": "Calaveras",
    "CA-COL": "Colusa",
    "CA-CC": "Contra Costa",
    "CA-DN": "Del Norte",
    "CA-ED": "El Dorado",
    "CA-FRE": "Fresno",
    "CA-GLE": "Glenn",
    "CA-HUM": "Humboldt",
    "CA-IMP": "Imperial",
    "CA-INY": "Inyo",
    "CA-KER": "Kern",
    "CA-KIN": "Kings",
    "CA-LAK": "Lake",
    "CA-LAS": "Lassen",
    "CA-LA": "Los Angeles",
    "CA-MAD": "Madera",
    "CA-MRN": "Marin",
    "CA-MPA": "Mariposa",
    "CA-MEN": "Mendocino",
    "CA-MER": "Merced",
    "CA-MOD": "Modoc",
    "CA-MNO": "Mono",
    "CA-MON": "Monterey",
    "CA-NAP": "Napa",
    "CA-NEV": "Nevada",
    "CA-OR": "Orange",
    "CA-PLA": "Placer",
    "CA-PLU": "Plumas",
    "CA-RIV": "Riverside",
    "CA-SAC": "Sacramento",
    "CA-SBT": "San Benito",
    "CA-SB": "San Bernardino",
    "CA-SD": "San Diego",
    "CA-SF": "San Francisco",
    "CA-SJ": "San Joaquin",
    "CA-SLO": "San Luis Obispo",
    "CA-SM": "San Mateo",
    "CA-SBA": "Santa Barbara",
    "CA-SCL": "Santa Clara",
    "CA-SCR": "Santa Cruz",
    "CA-SHA": "Shasta",
    "CA-SIE": "Sierra",
    "CA-SIS": "Siskiyou",
    "CA-SOL": "Solano",
    "CA-SON": "Sonoma",
    "CA-STA": "Stanislaus",
    "CA-SUT": "Sutter",
    "CA-TEH": "Tehama",
    "CA-TRI": "Trinity",
    "CA-TUL": "Tulare",
    "CA-TUO": "Tuolumne",
    "CA-VEN": "Ventura",
    "CA-YOL": "Yolo",
    "CA-YUB": "Yuba",
}

STATE_COURT = "SUPERIOR COURT OF CALIFORNIA"


def county_name(court: str) -> str | None:
    """County of a court code ("CA-LA" -> "Los Angeles"); None when the code is unknown."""
    return COUNTIES.get(court)




def court_display_name(court: str) -> str:
    """"Superior Court of California, County of Los Angeles" (or the code when unknown)."""
    county = county_name(court)
    return f"Superior Court of California, County of {county}" if county else court
