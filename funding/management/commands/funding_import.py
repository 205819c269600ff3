"""Import national-income figures or exchange rates from a CSV file; preview unless --apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.actors import Actor
from core.models import AuditSource
from funding import services
from funding.errors import ImportRejected
from funding.models import ImportKind, ImportStatus

KINDS = {
    "national-income": ImportKind.NATIONAL_INCOME,
    "ecb-rates": ImportKind.ECB_RATES,
    "annual-rates": ImportKind.ANNUAL_RATES,
}


class Command(BaseCommand):
    help = (
        "Check a CSV file of national-income figures (national-income), ECB reference rates "
        "(ecb-rates, the eurofxref-hist.csv layout) or annual average rates (annual-rates) and "
        "show what importing it would do; with --apply, import it. A file with any problem is "
        "rejected whole: every problem is listed with its line and column, nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="import the file if it is valid")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("funding_import", source=AuditSource.COMMAND)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            data_import = services.data_import_preview(
                actor=actor, kind=KINDS[options["kind"]], filename=path.name,
                content=path.read_bytes(),
            )  # fmt: skip
        except ImportRejected as exc:
            for problem in exc.problems:
                if problem.get("line") and problem["message"] != exc.message:
                    self.stderr.write(f"line {problem['line']}: {problem['message']}")
            raise CommandError(exc.message) from exc
        out = self.stdout
        out.write(f"{path.name}: SHA-256 {data_import.sha256}, {data_import.row_count} rows")
        if data_import.status == ImportStatus.REJECTED:
            for problem in data_import.problems:
                where = f"line {problem['line']}"
                if problem["column"]:
                    where += f", column {problem['column']}"
                    if problem["column_name"]:
                        where += f" ({problem['column_name']})"
                self.stderr.write(f"{where}: {problem['message']}")
            raise CommandError(
                f"{len(data_import.problems)} problem(s); nothing was imported "
                f"(import #{data_import.pk} kept as rejected)."
            )
        summary = {k: v for k, v in data_import.summary.items() if k != "sample"}
        for key, value in summary.items():
            out.write(f"  {key}: {value}")
        if not options["apply"]:
            out.write(f"Preview only (import #{data_import.pk}); run again with --apply to import.")
            return
        services.data_import_apply(actor=actor, data_import=data_import)
        out.write(self.style.SUCCESS(f"Imported {data_import.row_count} rows (#{data_import.pk})."))
