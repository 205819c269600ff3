"""JobUsage becomes an append-only log of what sacct says, shaped for COPY.

The derived columns (GPU-seconds, day, project, and the start time, which the quota rules never
read) go: UsageDay holds the sums. On PostgreSQL the primary key's unique index goes too, replaced
by a BRIN index over (cluster, job id); uniqueness is kept by the ingest under a per-cluster lock
(see the model). SQLite keeps its primary key.
"""

from django.db import migrations, models


def _brin_instead_of_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE compute_jobusage DROP CONSTRAINT compute_jobusage_pkey")
    schema_editor.execute(
        # Several intervals of job ids per block range (minmax-multi), not one: clusters ingested
        # in turn share block ranges, and one interval would span both clusters' ids.
        "CREATE INDEX compute_jobusage_cluster_job_brin ON compute_jobusage "
        "USING brin (cluster_id, job_id int8_minmax_multi_ops)"
    )


def _primary_key_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX compute_jobusage_cluster_job_brin")
    schema_editor.execute("ALTER TABLE compute_jobusage ADD PRIMARY KEY (cluster_id, job_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("compute", "0003_jobusage_composite_key_usageday"),
    ]

    operations = [
        migrations.RunPython(_brin_instead_of_primary_key, _primary_key_again),
        migrations.RemoveConstraint(
            model_name="jobusage",
            name="job_usage_gpu_seconds",
        ),
        migrations.RemoveField(
            model_name="jobusage",
            name="day",
        ),
        migrations.RemoveField(
            model_name="jobusage",
            name="gpu_seconds",
        ),
        migrations.RemoveField(
            model_name="jobusage",
            name="project",
        ),
        migrations.RemoveField(
            model_name="jobusage",
            name="started_at",
        ),
        migrations.AlterField(
            model_name="jobusage",
            name="ended_at",
            field=models.DateTimeField(verbose_name="ended"),
        ),
    ]
