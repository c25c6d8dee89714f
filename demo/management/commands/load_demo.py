"""`manage.py load_demo`: build the demo networks and print the demo logins (safe to run again)."""

import time

from django.core.management.base import BaseCommand

from demo.loader import DEMO_LOGINS, DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Indlæser demodata: LKT Antibiotika, LKT Sammenhængende hoftebrudsforløb og LKT Infektioner."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        summary = demo_load()
        seconds = time.perf_counter() - started
        if any(summary.created.values()):
            self.stdout.write(self.style.SUCCESS(f"Demodata indlæst på {seconds:.1f} s:"))
            for label, count in summary.created.items():
                if count:
                    self.stdout.write(f"  {label}: {count}")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Demodata var allerede indlæst; intet ændret ({seconds:.1f} s).")
            )
        self.stdout.write("")
        self.stdout.write(f"Demo-logins (adgangskode for alle: {DEMO_PASSWORD}):")
        width = max(len(who.username) for who, _ in DEMO_LOGINS)
        for who, role in DEMO_LOGINS:
            self.stdout.write(f"  {who.username.ljust(width)}  {role}")
