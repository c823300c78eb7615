"""`make mutants`: break each rule below, one at a time, in a copy of the project, and run
the tests that guard it. A rule whose tests still pass (a survivor) fails the check.

Run it before a change that touches one of these rules, and add a line here when a rule that
protects the township gets a test of its own. The copy lives in a temporary directory and is
deleted afterwards; the working tree is never written. Tests run on SQLite in the copy (its
own test database, kept between mutants: no mutant touches a migration), without Redis.

    python -m devtools.mutants            every mutant
    python -m devtools.mutants -k axes    those whose rule or file contains "axes"
    python -m devtools.mutants --list     the rules and the tests that guard them

Each mutant names the file, the exact text it replaces (found exactly once, else the list is
out of date and the check says so) and the tests that must fail once it is replaced.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.pyc",
    "staticfiles",
    "artifacts",
    "backups",
    "job-files",
    "*.sqlite3*",
    ".pytest_cache",
    ".ruff_cache",
    "bench*.json",
)


@dataclass(frozen=True)
class Mutant:
    rule: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


def _t(*names: str) -> tuple[str, ...]:
    return names


MUTANTS = [
    Mutant(
        "a secretary of two villages manages only those two, not the township",
        "households/access.py",
        "            elif kind == RoleKind.SECRETARY:\n                villages.add(village_id)\n",
        "            elif kind == RoleKind.SECRETARY:\n                villages.add(village_id)\n"
        "                if len(villages) > 1:\n"
        "                    townships.add(Village.objects.get(pk=village_id).township_id)\n",
        _t(
            "tests/households/test_rules.py::test_a_secretary_of_two_villages_manages_only_those_two"
        ),
    ),
    Mutant(
        "AUDIT_RETENTION_DAYS below 180 stops the settings",
        "liaison/settings.py",
        "if AUDIT_RETENTION_DAYS < 180:",
        "if AUDIT_RETENTION_DAYS < 30:",
        _t("tests/liaison/test_rules.py::test_a_retention_below_180_days_stops_the_settings"),
    ),
    Mutant(
        "pruning never removes an audit row younger than the retention",
        "base/management/commands/prune_audit.py",
        "timedelta(days=settings.AUDIT_RETENTION_DAYS)",
        "timedelta(days=settings.AUDIT_RETENTION_DAYS - 1)",
        _t("tests/liaison/test_rules.py::test_prune_keeps_everything_younger_than_the_retention"),
    ),
    Mutant(
        "applying a proposal group never overrides a member's capacity",
        "members/services.py",
        '            by=by,\n            note=_("Automatic proposal"),\n        )',
        '            by=by,\n            note=_("Automatic proposal"),\n'
        "            capacity_override=True,\n        )",
        _t(
            "tests/members/test_rules.py::"
            "test_a_proposal_group_is_refused_when_its_member_filled_up_since"
        ),
    ),
    Mutant(
        "a request due today is not overdue (on the request)",
        "casebook/models.py",
        "self.due_on is not None and self.due_on < today",
        "self.due_on is not None and self.due_on <= today",
        _t("tests/casebook/test_rules.py::test_a_request_due_today_is_not_overdue_on_the_request"),
    ),
    Mutant(
        "a request due today is not overdue (in the query the figures count with)",
        "casebook/models.py",
        "Q(status__in=OPEN_STATUSES, due_on__lt=today)",
        "Q(status__in=OPEN_STATUSES, due_on__lte=today)",
        _t(
            "tests/casebook/test_rules.py::"
            "test_a_request_due_today_is_not_counted_overdue_by_the_query",
            "tests/casebook/test_rules.py::test_a_request_due_today_is_not_overdue_in_the_figures",
        ),
    ),
    Mutant(
        "a request due today is not overdue (the day the dashboard counts from)",
        "liaison/dashboard.py",
        "min(datetime.date.today(), end)",
        "min(datetime.date.today() + datetime.timedelta(days=1), end)",
        _t("tests/casebook/test_rules.py::test_a_request_due_today_is_not_overdue_in_the_figures"),
    ),
    Mutant(
        "a household search (pinyin too) stays in the user's scope",
        "households/filters.py",
        "return queryset.filter(household_search_q(value))",
        "return Household.objects.filter(household_search_q(value))",
        _t(
            "tests/households/test_rules.py::test_a_pinyin_search_finds_only_households_in_scope",
            "tests/households/test_rules.py::"
            "test_the_household_list_searched_by_pinyin_shows_no_one_out_of_scope",
        ),
    ),
    Mutant(
        "a member search (pinyin too) stays in the user's scope",
        "members/filters.py",
        "return queryset.filter(member_search_q(value))",
        "return PartyMember.objects.filter(member_search_q(value))",
        _t(
            "tests/households/test_rules.py::"
            "test_the_member_list_searched_by_pinyin_shows_no_one_out_of_scope"
        ),
    ),
    Mutant(
        "the timeline's events are read-only in the admin",
        "casebook/admin.py",
        "class RequestEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):",
        "class RequestEventAdmin(admin.ModelAdmin):",
        _t(
            "tests/casebook/test_rules.py::test_the_timeline_admin_grants_no_add_change_or_delete",
            "tests/casebook/test_rules.py::test_the_admin_change_page_of_an_event_saves_nothing",
        ),
    ),
    Mutant(
        "the timeline shown on a request in the admin is read-only",
        "casebook/admin.py",
        "    readonly_fields = fields\n",
        "    readonly_fields = []\n",
        _t(
            "tests/casebook/test_rules.py::"
            "test_the_timeline_inline_on_a_request_shows_every_field_read_only"
        ),
    ),
    Mutant(
        "a job's run given up for dead cannot finish or fail the job its re-run holds",
        "infra/jobs.py",
        "status=Job.Status.RUNNING, attempts=job.attempts)",
        "status=Job.Status.RUNNING)",
        _t(
            "tests/liaison/test_rules.py::"
            "test_a_run_given_up_for_dead_cannot_finish_while_its_rerun_runs",
            "tests/liaison/test_rules.py::test_a_run_given_up_for_dead_writes_no_progress_or_failure",
        ),
    ),
    Mutant(
        "the login lockout lasts 15 minutes (not longer)",
        "liaison/settings.py",
        "AXES_COOLOFF_TIME = 0.25",
        "AXES_COOLOFF_TIME = 0.5",
        _t(
            "tests/liaison/test_rules.py::test_a_locked_login_opens_again_after_15_minutes_not_before"
        ),
    ),
    Mutant(
        "the login lockout lasts 15 minutes (not shorter)",
        "liaison/settings.py",
        "AXES_COOLOFF_TIME = 0.25",
        "AXES_COOLOFF_TIME = 0.2",
        _t(
            "tests/liaison/test_rules.py::test_a_locked_login_opens_again_after_15_minutes_not_before"
        ),
    ),
    Mutant(
        "an upload is applied once, even by two confirmations at once",
        "households/importing.py",
        "    upload = RosterUpload.objects.select_for_update().get(pk=upload.pk)\n",
        "",
        _t(
            "tests/households/test_rules.py::test_an_upload_applied_twice_is_refused_the_second_time"
        ),
    ),
    Mutant(
        "the notebook service refuses an entry dated in the future",
        "casebook/services/visits.py",
        "    if entry.visited_on > timezone.localdate():\n"
        '        raise CasebookError(_("A visit cannot be dated in the future."))\n'
        "    if household.village_id != member.village_id:",
        "    if household.village_id != member.village_id:",
        _t("tests/casebook/test_rules.py::test_the_visit_service_refuses_a_future_date"),
    ),
    Mutant(
        "a moved-out household's card opens nothing",
        "casebook/public.py",
        "Household.objects.filter(card_token=token, status=HouseholdStatus.ACTIVE)",
        "Household.objects.filter(card_token=token)",
        _t("tests/casebook/test_rules.py::test_a_moved_out_households_card_opens_nothing"),
    ),
    Mutant(
        "the small (direct) member export writes an access-log row",
        "members/views.py",
        "    log_access(\n        request,\n        action=services.EXPORTED_MEMBERS,",
        "    (lambda *args, **kwargs: None)(\n        request,\n"
        "        action=services.EXPORTED_MEMBERS,",
        _t("tests/members/test_rules.py::test_a_small_member_export_is_written_in_the_access_log"),
    ),
    Mutant(
        "the request service refuses a household no longer on the roster",
        "casebook/services/requests.py",
        "    if not household.is_active:\n"
        '        raise CasebookError(_("This household is no longer on the roster."))\n',
        "",
        _t("tests/casebook/test_rules.py::test_the_request_service_refuses_a_retired_household"),
    ),
    Mutant(
        "before the second factor, only its own step's page is served",
        "accounts/middleware.py",
        "if step is None or match.view_name == STEP_URLS[step]:",
        "if step is None or match.view_name in STEP_URLS.values():",
        _t(
            "tests/accounts/test_accounts.py::test_the_password_cannot_change_before_the_second_factor",
            "tests/accounts/test_accounts.py::"
            "test_the_step_middleware_itself_opens_only_the_code_page_and_logout",
        ),
    ),
    Mutant(
        "the password view itself refuses a session short of its second factor",
        "accounts/services.py",
        '    return pending_step(request) != "verify"',
        "    return True",
        _t(
            "tests/accounts/test_accounts.py::"
            "test_the_password_view_itself_refuses_a_session_short_of_its_second_factor"
        ),
    ),
    Mutant(
        "wrong codes count across password logins (the lockout's own reset)",
        "liaison/settings.py",
        "AXES_RESET_ON_SUCCESS = False",
        "AXES_RESET_ON_SUCCESS = True",
        _t(
            "tests/accounts/test_accounts.py::test_wrong_codes_count_across_fresh_password_logins",
            "tests/accounts/test_accounts.py::"
            "test_a_complete_login_clears_the_failures_and_a_password_alone_does_not",
        ),
    ),
    Mutant(
        "wrong codes count across password logins (the password step clears nothing)",
        "accounts/services.py",
        '    if not (needs_second_factor(user, demo=state["demo"]) and has_second_factor(user)):',
        "    if True:",
        _t(
            "tests/accounts/test_accounts.py::test_wrong_codes_count_across_fresh_password_logins",
            "tests/accounts/test_accounts.py::"
            "test_a_complete_login_clears_the_failures_and_a_password_alone_does_not",
        ),
    ),
    Mutant(
        "a formula cell without a saved value is refused, not read as empty",
        "base/spreadsheets.py",
        "        _refuse_unsaved_formulas(sheet)\n",
        "",
        _t(
            "tests/households/test_formula_cells.py",
            "tests/test_bad_input.py::test_formulas_and_wrong_types_in_a_sheet_are_data_not_code",
        ),
    ),
    Mutant(
        "idle and slow clients cannot stall the served configuration",
        "gunicorn.conf.py",
        'worker_class = "liaison.gunicorn_worker.HeaderTimeoutWorker"',
        'worker_class = "gthread"',
        _t("tests/liaison/test_serving.py"),
    ),
]


def _env() -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SQLITE_PATH")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a mutated module is never read back from a .pyc
    return env


def _pytest(copy: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 -- our interpreter, our test paths
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "--reuse-db",
            *tests,
        ],  # fmt: skip
        cwd=copy,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def _copy() -> Path:
    copy = Path(tempfile.mkdtemp(prefix="liaison-mutants-")) / "project"
    shutil.copytree(BASE_DIR, copy, ignore=COPY_IGNORE, symlinks=True)
    subprocess.run(  # noqa: S603 -- the catalogue, compiled as `make messages` does
        [sys.executable, "-m", "devtools.compile_messages"],
        cwd=copy,
        env=_env(),
        capture_output=True,
        check=True,
    )
    return copy


def run(mutants: list[Mutant], out=sys.stdout) -> int:
    """Run the mutants; the number of survivors (a stale mutant counts as one)."""
    copy = _copy()
    try:
        every_test = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
        print(f"Copy in {copy}; checking the guarding tests pass unbroken…", file=out)
        baseline = _pytest(copy, every_test)
        if baseline.returncode != 0:
            print(baseline.stdout[-3000:], file=out)
            print("The guarding tests fail on the unbroken code: fix them first.", file=out)
            return len(mutants)
        survivors = 0
        for number, mutant in enumerate(mutants, 1):
            target = copy / mutant.path
            original = target.read_text()
            found = original.count(mutant.old)
            label = f"[{number}/{len(mutants)}] {mutant.rule} ({mutant.path})"
            if found != 1:
                survivors += 1
                print(f"STALE    {label}: the text to break is found {found} times", file=out)
                continue
            target.write_text(original.replace(mutant.old, mutant.new))
            started = time.monotonic()
            try:
                result = _pytest(copy, mutant.tests)
            finally:
                target.write_text(original)
            seconds = time.monotonic() - started
            if result.returncode == 1:  # tests ran and failed: the mutant is caught
                print(f"killed   {label} in {seconds:.0f} s", file=out)
            else:
                survivors += 1
                verdict = "SURVIVED" if result.returncode == 0 else f"ERROR {result.returncode}"
                print(f"{verdict} {label}", file=out)
                print(result.stdout[-2000:] + result.stderr[-1000:], file=out)
        print(f"{len(mutants) - survivors} of {len(mutants)} broken rules caught.", file=out)
        return survivors
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="only mutants whose rule or file contains this")
    parser.add_argument("--list", action="store_true", help="list the rules and their tests")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k.lower() in (m.rule + " " + m.path).lower()]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.rule}\n  breaks {mutant.path}\n  guarded by {', '.join(mutant.tests)}")
        return 0
    if not chosen:
        print(f"No mutant matches {args.k!r}.")
        return 1
    return 1 if run(chosen) else 0


if __name__ == "__main__":
    sys.exit(main())
