import time

from django.core.management.base import BaseCommand, CommandError

from devtools import demo


class Command(BaseCommand):
    help = "Seed the Dongshan Township demo (idempotent: does nothing when it is there already)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="multiply households and members")
        parser.add_argument(
            "--password", default=demo.DEFAULT_PASSWORD, help="demo users' password"
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed")
        parser.add_argument(
            "--county",
            action="store_true",
            help="also seed Huzhu county's other 18 townships, each the size of Dongshan",
        )

    def handle(self, *args, scale, password, seed, county, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1")
        started = time.monotonic()
        result = demo.seed_demo(
            scale=scale,
            password=password,
            seed=seed,
            county=county,
            progress=lambda message: (
                self.stdout.write(f"  {message}") if options["verbosity"] > 1 else None
            ),
        )
        if county:
            place = f"{demo.COUNTY_NAME} ({1 + len(demo.COUNTY_TOWNSHIPS)} townships)"
        else:
            place = demo.TOWNSHIP_NAME
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {place}: {result.households} households, "
                    f"{result.members} party members in {time.monotonic() - started:.1f} s."
                )
            )
            password_note = password
        else:
            self.stdout.write("The demo is already seeded; nothing changed.")
            password_note = f"{demo.DEFAULT_PASSWORD} (unless --password was given when seeding)"
        if options["verbosity"] > 0:
            self.stdout.write(f"Demo users (password: {password_note}):")
            for username, label in result.users:
                self.stdout.write(f"  {username:<16} {label}")
            self._card_links()

    def _card_links(self) -> None:
        """A few villagers' card pages, to try without printing and scanning a card."""
        from households.models import Household, HouseholdStatus

        households = (
            Household.objects.filter(
                village__township__name=demo.TOWNSHIP_NAME, status=HouseholdStatus.ACTIVE
            )
            .select_related("village")
            .order_by("village__code", "number")[:3]
        )
        if households:
            self.stdout.write("Villagers' card pages (no login; append to the server's address):")
        for household in households:
            self.stdout.write(
                f"  /c/{household.card_token}/  {household.village.name} {household.head_name}"
                f"  (card code {household.card_code_display})"
            )
