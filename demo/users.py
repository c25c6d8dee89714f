"""Demo users: the guessable demo logins and ordinary team members, all with the password "demo"."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser

from .common import Summary, rng_for

User = get_user_model()

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    is_staff: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@example.dk"


# The logins a newcomer can guess; README.md lists the same table.
DEMO_LOGINS = [
    (Person("demo-admin", "Anne", "Administrator", is_staff=True), "Administrator (staff, Django-admin)"),
    (Person("demo-lead", "Lene", "Kjær"), "National projektleder, LKT Antibiotika og LKT Infektioner"),
    (Person("demo-coordinator", "Thomas", "Holm"), "Regional tovholder, Region Hovedstaden"),
    (Person("demo-expert", "Mette", "Bach"), "Medlem af ekspertgruppen (klinisk ekspert), LKT Antibiotika"),
    (
        Person("demo-leader", "Henrik", "Vestergaard"),
        "Observatør: hospitalsdirektør, Bispebjerg og Frederiksberg Hospital",
    ),
    (
        Person("demo-team", "Sofie", "Lund"),
        "Teamleder og indtaster data: Medicinsk afdeling, Bispebjerg og Frederiksberg Hospital",
    ),
    (Person("demo-viewer", "Jonas", "Berg"), "Læseadgang i samme team"),
    (
        Person("demo-other", "Ida", "Mikkelsen"),
        "Indtaster data: Infektionsmedicinsk afdeling, Aarhus Universitetshospital",
    ),
]

FIRST_NAMES = [
    "Anders",
    "Birgitte",
    "Camilla",
    "Christian",
    "Dorthe",
    "Emil",
    "Frederik",
    "Gitte",
    "Hanne",
    "Helle",
    "Jakob",
    "Julie",
    "Karen",
    "Kasper",
    "Kirsten",
    "Lars",
    "Line",
    "Louise",
    "Maja",
    "Martin",
    "Mads",
    "Marianne",
    "Mikkel",
    "Morten",
    "Niels",
    "Nina",
    "Ole",
    "Peter",
    "Pia",
    "Rasmus",
    "Rikke",
    "Signe",
    "Simon",
    "Susanne",
    "Søren",
    "Tina",
    "Trine",
    "Ulla",
    "Vibeke",
]
LAST_NAMES = [
    "Andersen",
    "Christensen",
    "Dahl",
    "Eriksen",
    "Frandsen",
    "Hansen",
    "Jensen",
    "Johansen",
    "Jørgensen",
    "Kristensen",
    "Larsen",
    "Madsen",
    "Møller",
    "Nielsen",
    "Olsen",
    "Pedersen",
    "Poulsen",
    "Rasmussen",
    "Schmidt",
    "Sørensen",
    "Thomsen",
    "Østergaard",
]


def person(username: str) -> Person:
    """A Danish-sounding person for an ordinary demo login; the same name on every run."""
    rng = rng_for("person", username)
    return Person(username, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))


class Users:
    """Creates users in bulk; hashes the demo password once (hashing costs ~0.3 s a time)."""

    def __init__(self, *, summary: Summary) -> None:
        self.summary = summary
        self._hash = ""

    def ensure(self, people: list[Person]) -> dict[str, AbstractUser]:
        usernames = [p.username for p in people]
        found = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [p for p in people if p.username not in found]
        if missing:
            if not self._hash:
                # Set directly, not through a form: "demo" would fail the password validators.
                self._hash = make_password(DEMO_PASSWORD)
            User.objects.bulk_create(
                User(
                    username=p.username,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    email=p.email,
                    is_staff=p.is_staff,
                    is_superuser=p.is_staff,
                    password=self._hash,
                )
                for p in missing
            )
            found.update(
                {u.username: u for u in User.objects.filter(username__in=[p.username for p in missing])}
            )
            self.summary.add("brugere", len(missing))
        return found

    def one(self, who: Person) -> AbstractUser:
        return self.ensure([who])[who.username]

    def demo_logins(self) -> dict[str, AbstractUser]:
        return self.ensure([who for who, _ in DEMO_LOGINS])
