"""grades: export grades.csv, one row per student."""

HELP = "export grades.csv (one row per student)"


def run(args) -> int:
    from ..results.grades import export_grades

    export_grades()
    return 0
