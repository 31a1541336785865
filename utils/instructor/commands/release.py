"""release: regenerate the student release course/ from solutions/ (and the due dates of schedule.csv in the gradebook)."""

import sys

HELP = "regenerate course/ from solutions/; the due dates of schedule.csv go into the gradebook"


def run(args) -> int:
    from ..prepare.release import generate_release
    from ..prepare.schedule import ScheduleError

    try:
        generate_release()
    except ScheduleError as error:
        print(f"release: {error}", file=sys.stderr)
        return 2
    return 0
