"""Recompute stored chart results in-process: after bulk loads, an engine upgrade, or by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from measures import charts
from measures.models import ChartResult
from teams.models import Network


class Command(BaseCommand):
    help = "Recompute stale chart results (all of them with --all), optionally for one network."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--network", help="slug of one network (default: every network)")
        parser.add_argument("--all", action="store_true", help="mark every chart stale first")
        parser.add_argument("--limit", type=int, default=None, help="at most this many charts")
        parser.add_argument(
            "--force",
            action="store_true",
            help="take over rows claimed by a worker (e.g. one that was killed) instead of waiting for the claim",
        )

    def handle(
        self,
        *args,
        network: str | None = None,
        all: bool = False,
        limit: int | None = None,
        force: bool = False,
        **options,
    ) -> None:
        target = None
        if network:
            target = Network.objects.filter(slug=network).first()
            if target is None:
                raise CommandError(f"no network with slug {network!r}")
        if all:
            charts.chart_results_ensure(network=target)
            rows = ChartResult.objects.all() if target is None else ChartResult.objects.filter(network=target)
            # Clearing the hash makes the engine run even where the inputs are unchanged.
            now = timezone.now()
            rows.update(is_stale=True, input_hash="", stale_since=now, synced_at=now)
        computed = charts.chart_results_recompute_stale(network=target, limit=limit, force=force)
        self.stdout.write(f"{computed} charts computed")
