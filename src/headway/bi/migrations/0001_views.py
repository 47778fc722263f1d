"""Switch on the BI feed's SQL views (`bi_dim_unit`, `bi_fact_check_in`, …).

The views are not created here but right after every `migrate`, from the definitions in
`headway.bi.feed`, once no migration is left to run (see `headway.bi.views` for why: a view made
in the middle of a migration plan would stop the later migrations that alter the tables it
reads, on SQLite and on PostgreSQL). Unapplying this migration drops the views and switches
the feed off.
"""

from django.db import migrations


def views_drop(apps, schema_editor):
    from headway.bi.views import views_drop

    views_drop(schema_editor.connection)


class Migration(migrations.Migration):
    # The tables the views read.
    dependencies = [
        ("checkins", "0002_initial"),
        ("goals", "0002_initial"),
        ("indicators", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, views_drop)]
