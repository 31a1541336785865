"""feedback: HTML feedback per student, hidden tests not shown."""

HELP = "HTML feedback per student in feedback/"


def run(args) -> int:
    from ..results.feedback import generate_feedback

    generate_feedback()
    return 0
