"""extensions: list every extension in the gradebook (make extension grants them)."""

from __future__ import annotations

HELP = "list every student's extension: stage, days, due date, the student's deadline, handed in"


def run(args) -> int:
    from ..gradebook.extensions import list_extensions

    def when(moment) -> str:
        return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"

    found = list_extensions()
    if not found:
        print("no extensions (make extension STUDENT=... STAGE=... DAYS=... grants one)")
        return 0
    print("stage\tstudent\tdays\tdue\tdeadline\thanded in\tlate penalty")
    for e in found:
        print(f"{e.stage}\t{e.student}\t{e.days:g}\t{when(e.due)}\t{when(e.deadline)}\t"
              f"{when(e.handed_in) if e.handed_in else 'not yet'}\t{e.late_penalty:g}")
    print(f"{len(found)} extension(s)")
    return 0
