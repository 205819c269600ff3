"""The four AI safety levels, as reference data every installation starts with."""

from django.db import migrations

LEVELS = [
    (1, "AI Safety Level 1", "KI-Sicherheitsstufe 1", "Niveau de sûreté IA 1",
     "Models with no meaningful capability for serious harm beyond what public tools already give.",
     "Modelle ohne nennenswerte Fähigkeit zu ernsthaftem Schaden über öffentlich verfügbare Werkzeuge hinaus.",
     "Modèles sans capacité notable de nuire gravement au-delà de ce qu'offrent déjà les outils publics.",
     None, True, False, "Standard review of the proposal."),
    (2, "AI Safety Level 2", "KI-Sicherheitsstufe 2", "Niveau de sûreté IA 2",
     "Models with early signs of dangerous capabilities; release only after evaluation.",
     "Modelle mit ersten Anzeichen gefährlicher Fähigkeiten; Veröffentlichung erst nach Evaluierung.",
     "Modèles présentant des premiers signes de capacités dangereuses ; publication seulement après évaluation.",
     2_000_000, True, False, "Pre-release evaluation; red-teaming report to the Safety Board."),
    (3, "AI Safety Level 3", "KI-Sicherheitsstufe 3", "Niveau de sûreté IA 3",
     "Models that could substantially raise the risk of catastrophic misuse; weights stay inside the facility.",
     "Modelle, die das Risiko katastrophalen Missbrauchs deutlich erhöhen könnten; Gewichte bleiben in der Einrichtung.",
     "Modèles susceptibles d'accroître sensiblement le risque d'usage catastrophique ; les poids restent dans l'installation.",
     500_000, False, True, "Isolated partition; two-person rule for weight access; monthly Safety Board review."),
    (4, "AI Safety Level 4", "KI-Sicherheitsstufe 4", "Niveau de sûreté IA 4",
     "Models whose capabilities could cause catastrophic harm; work only under the Safety Board's direct oversight.",
     "Modelle, deren Fähigkeiten katastrophalen Schaden verursachen könnten; Arbeit nur unter direkter Aufsicht des Sicherheitsausschusses.",
     "Modèles dont les capacités pourraient causer des dommages catastrophiques ; travaux uniquement sous la supervision directe du Comité de sûreté.",
     0, False, True, "Every allocation reviewed; air-gapped partition; continuous monitoring."),
]


def forward(apps, schema_editor):
    SafetyLevel = apps.get_model("governance", "SafetyLevel")
    for level, en, de, fr, den, dde, dfr, max_hours, weights, isolated, controls in LEVELS:
        SafetyLevel.objects.update_or_create(
            level=level,
            defaults={
                "name_en": en, "name_de": de, "name_fr": fr,
                "description_en": den, "description_de": dde, "description_fr": dfr,
                "max_gpu_hours_without_review": max_hours, "weights_release_allowed": weights,
                "isolated_partition_required": isolated, "controls": controls,
            },
        )


def backward(apps, schema_editor):
    apps.get_model("governance", "SafetyLevel").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_safety")]
    operations = [migrations.RunPython(forward, backward)]
