"""Backup and restore: a round trip gives back every row and the same timelines."""

import pytest
from django.core.management import call_command

from casebook import services
from casebook.models import Request, VoiceNote
from liaison import backup
from tests.conftest import VOICE, voice_note
from tests.factories import RequestFactory


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_back_every_row(reference_data, world, tmp_path):
    request = RequestFactory(household=world.household_a)
    services.request_accept(request=request, by=world.staff, expected_version=None)
    voice = voice_note(world.household_a2)  # its recording is in the database, so in the copy
    before = backup.fingerprint()
    path = tmp_path / ("copy.sqlite3" if "sqlite" in str(backup.default_path()) else "copy.dump")
    call_command("backup", output=str(path), verbosity=0)
    assert path.exists() and path.stat().st_size > 0

    services.request_reply(
        request=request, text="恢复前的改动", by=world.staff, expected_version=None
    )
    RequestFactory(household=world.household_b)
    voice_note(world.household_b)
    assert backup.fingerprint() != before

    call_command("restore", str(path), yes=True, verbosity=0)
    after = backup.fingerprint()
    assert after["counts"] == before["counts"]
    assert after["timelines"] == before["timelines"]
    assert after["voices"] == before["voices"]
    assert bytes(VoiceNote.objects.get(pk=voice.pk).data) == VOICE.read_bytes()
    assert Request.objects.get(pk=request.pk).status == "accepted"


def test_restore_of_a_missing_file_fails_clearly(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nope.sqlite3"), yes=True)
