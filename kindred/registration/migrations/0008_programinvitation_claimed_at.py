from django.db import migrations, models
from django.db.models import F


def stamp_rows_already_sending(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rows a worker took before the stamp existed: their claim is at least as old as the row."""
    ProgramInvitation = apps.get_model("registration", "ProgramInvitation")
    ProgramInvitation.objects.filter(status="sending", claimed_at=None).update(claimed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0007_importjob_rows_and_chunks"),
    ]

    operations = [
        migrations.AddField(
            model_name="programinvitation",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(stamp_rows_already_sending, migrations.RunPython.noop),
    ]
