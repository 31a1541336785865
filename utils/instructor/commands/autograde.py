"""autograde: grade every new or changed submission, each kernel in its sandbox."""

import sys
import time

HELP = "autograde every collected submission"


def add_arguments(parser) -> None:
    parser.add_argument("--stage")
    parser.add_argument("--student")
    parser.add_argument("--jobs", type=int, default=1,
                        help="local Dask worker processes, each grading one notebook at a time (default 1)")
    parser.add_argument("--scheduler", default=None,
                        help="address of an existing Dask scheduler (tcp://host:8786) whose workers grade instead "
                             "of local ones; each worker needs this repository at this commit, .venv and bubblewrap")
    parser.add_argument("--force", action="store_true",
                        help="grade again notebooks already graded from the same files by the same grader")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox (submissions can then read and change "
                             "everything you can; the grade table says so)")


def run(args) -> int:
    from ..grading.host.autograde import autograde_all
    from ..grading.host.cluster import SchedulerUnreachable
    from ..grading.worker.grading_environment import GradingEnvironmentError
    from ..grading.worker.sandbox import SandboxUnavailable
    from ..prepare.schedule import ScheduleError

    started = time.perf_counter()
    try:
        results = autograde_all(only_stage=args.stage, only_student=args.student, jobs=args.jobs,
                                sandbox=not args.no_sandbox, force=args.force, scheduler=args.scheduler)
    except (SandboxUnavailable, SchedulerUnreachable, GradingEnvironmentError, ScheduleError) as error:
        print(f"autograde refused: {error}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.ok]
    print(f"autograded {len(results) - len(failed)} of {len(results)} notebooks in "
          f"{time.perf_counter() - started:.0f} s" + (f"; {len(failed)} could not be graded" if failed else ""))
    return 0
