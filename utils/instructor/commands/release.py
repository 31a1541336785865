"""release: regenerate the student release course/ from solutions/."""

HELP = "regenerate course/ from solutions/"


def run(args) -> int:
    from ..prepare.release import generate_release

    generate_release()
    return 0
