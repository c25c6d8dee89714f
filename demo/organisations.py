"""The five regions with real hospitals and departments, and municipalities, in a parent hierarchy."""

from dataclasses import dataclass

from teams.models import Organisation, Sector

from .common import Summary

REGIONS = [
    "Region Hovedstaden",
    "Region Sjælland",
    "Region Syddanmark",
    "Region Midtjylland",
    "Region Nordjylland",
]

# region -> (hospital, short name)
HOSPITALS = {
    "Region Hovedstaden": [
        ("Amager og Hvidovre Hospital", "AHH"),
        ("Bispebjerg og Frederiksberg Hospital", "BFH"),
        ("Bornholms Hospital", "BOH"),
        ("Herlev og Gentofte Hospital", "HGH"),
        ("Nordsjællands Hospital", "NOH"),
        ("Rigshospitalet", "RGH"),
    ],
    "Region Sjælland": [
        ("Sjællands Universitetshospital, Køge", "SUH"),
        ("Holbæk Sygehus", "HOS"),
        ("Nykøbing F. Sygehus", "NFS"),
        ("Slagelse Sygehus", "SLS"),
    ],
    "Region Syddanmark": [
        ("Odense Universitetshospital", "OUH"),
        ("Sygehus Lillebælt, Kolding", "SLB"),
        ("Sydvestjysk Sygehus, Esbjerg", "SVS"),
        ("Sygehus Sønderjylland, Aabenraa", "SHS"),
    ],
    "Region Midtjylland": [
        ("Aarhus Universitetshospital", "AUH"),
        ("Regionshospitalet Gødstrup", "RHG"),
        ("Regionshospitalet Randers", "RHR"),
        ("Regionshospitalet Horsens", "RHH"),
        ("Regionshospitalet Viborg", "RHV"),
    ],
    "Region Nordjylland": [
        ("Aalborg Universitetshospital", "AAUH"),
        ("Regionshospital Nordjylland, Hjørring", "RHN"),
        ("Sygehus Thy-Mors", "STM"),
    ],
}

DEPARTMENTS = {
    "med": "Medicinsk afdeling",
    "inf": "Infektionsmedicinsk afdeling",
    "akut": "Akutafdelingen",
    "kir": "Kirurgisk afdeling",
    "ort": "Ortopædkirurgisk afdeling",
    "lunge": "Lungemedicinsk afdeling",
    "ger": "Geriatrisk afdeling",
    "uro": "Urologisk afdeling",
    "intensiv": "Intensiv afdeling",
}

# region -> municipalities in the catchment areas of the hip-fracture teams
MUNICIPALITIES = {
    "Region Hovedstaden": ["Københavns Kommune", "Hvidovre Kommune"],
    "Region Sjælland": ["Køge Kommune", "Greve Kommune"],
    "Region Syddanmark": ["Odense Kommune", "Nordfyns Kommune", "Kolding Kommune", "Vejle Kommune"],
    "Region Midtjylland": ["Aarhus Kommune", "Skanderborg Kommune"],
    "Region Nordjylland": ["Aalborg Kommune", "Rebild Kommune"],
}


@dataclass
class Organisations:
    regions: dict[str, Organisation]
    hospitals: dict[str, Organisation]  # by short name
    municipalities: dict[str, Organisation]  # by name
    departments: dict[tuple[str, str], Organisation]  # (hospital short name, department key)
    summary: Summary

    def department(self, hospital: str, key: str) -> Organisation:
        """The department, created on first use under its hospital (only the ones with teams exist)."""
        if (hospital, key) not in self.departments:
            parent = self.hospitals[hospital]
            self.departments[(hospital, key)], created = Organisation.objects.get_or_create(
                parent=parent,
                name=f"{DEPARTMENTS[key]}, {parent.name}",
                defaults={
                    "kind": Organisation.Kind.DEPARTMENT,
                    "sector": Sector.REGION,
                    "region": parent.region,
                    "short_name": f"{hospital} {key}".upper()[:40],
                },
            )
            self.summary.add("organisationer", int(created))
        return self.departments[(hospital, key)]


def organisations_build(*, summary: Summary) -> Organisations:
    regions: dict[str, Organisation] = {}
    for name in REGIONS:
        region, created = Organisation.objects.get_or_create(
            parent=None,
            name=name,
            defaults={"kind": Organisation.Kind.REGION, "sector": Sector.REGION},
        )
        if region.region_id != region.id:
            region.region = region
            region.save(update_fields=["region"])
        regions[name] = region
        summary.add("organisationer", int(created))

    hospitals: dict[str, Organisation] = {}
    for region_name, entries in HOSPITALS.items():
        for name, short_name in entries:
            hospitals[short_name], created = Organisation.objects.get_or_create(
                parent=regions[region_name],
                name=name,
                defaults={
                    "short_name": short_name,
                    "kind": Organisation.Kind.HOSPITAL,
                    "sector": Sector.REGION,
                    "region": regions[region_name],
                },
            )
            summary.add("organisationer", int(created))

    municipalities: dict[str, Organisation] = {}
    for region_name, names in MUNICIPALITIES.items():
        for name in names:
            municipalities[name], created = Organisation.objects.get_or_create(
                parent=regions[region_name],
                name=name,
                defaults={
                    "kind": Organisation.Kind.MUNICIPALITY,
                    "sector": Sector.MUNICIPALITY,
                    "region": regions[region_name],
                },
            )
            summary.add("organisationer", int(created))
    return Organisations(
        regions=regions, hospitals=hospitals, municipalities=municipalities, departments={}, summary=summary
    )
