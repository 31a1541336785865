"""release-to-class: put a stage in the exchange, where every student's Assignments tab lists it."""

import sys

HELP = "release a stage to the class through the hub's exchange (the students' Assignments tab)"


def add_arguments(parser) -> None:
    parser.add_argument("stage", help="e.g. 01_vanilla_gradients")


def run(args) -> int:
    from ..hub.class_release import ReleaseError, release_to_class
    from ..hub.settings import hub_settings

    try:
        release_to_class(args.stage, hub_settings())
    except ReleaseError as error:
        print(f"release-to-class: {error}", file=sys.stderr)
        return 2
    return 0
