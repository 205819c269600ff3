"""The portal's open data as a Frictionless Data Package: one CSV resource per table.

The descriptor is built from :data:`transparency.opendata.TABLES`, so a table and its
description cannot drift apart. Resource paths are relative ("decisions.csv"): saved beside
the CSV files, or read from /portal/data/datapackage.json, they resolve to the downloads.
``frictionless validate datapackage.json`` checks every cell against its declared type.
"""

from __future__ import annotations

from typing import Any

from transparency.opendata import TABLES, Table

NAME = "concordia-open-data"
LICENSES = [
    {
        "name": "CC-BY-4.0",
        "title": "Creative Commons Attribution 4.0 International",
        "path": "https://creativecommons.org/licenses/by/4.0/",
    }
]


def resource(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [
            {"name": name, "type": kind, "description": description}
            for name, kind, description in table.columns
        ],
        "missingValues": [""],
    }
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return {
        "name": table.name,
        "title": str(table.title),
        "path": f"{table.name}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def descriptor() -> dict[str, Any]:
    """The datapackage.json of the portal's open data."""
    return {
        "name": NAME,
        "title": "Concordia open data",
        "description": (
            "Every table of the Concordia transparency portal: decisions, roll calls and ballot "
            "chains; contribution scales, budgets, assessments and the status of contributions; "
            "GPU quotas and their use; safety levels and escalations. Money is in integer cents "
            "(columns *_cents); exact shares are fractions n/d. Recompute every published "
            "figure from these files with `python -m transparency.recompute FOLDER`."
        ),
        "licenses": LICENSES,
        "resources": [resource(table) for table in TABLES.values()],
    }
