"""feedback: HTML feedback per student and stage in feedback/, hidden tests not shown, handed back through the hub's
exchange where the class uses the hub (each student fetches theirs in the Assignments tab); with ``--format canvas``
or ``--format moodle`` also the one zip per stage that the LMS takes back in a single upload (``feedback_lms_zips``)."""

import sys

HELP = ("HTML feedback per student in feedback/, released through the hub's exchange where there is one; "
        "--format canvas|moodle also writes the LMS's bulk upload, one zip per stage, in feedback_uploads/")


def add_arguments(parser) -> None:
    from ..results.feedback_lms_zips import LMS_FORMATS

    parser.add_argument("--format", choices=sorted(LMS_FORMATS),
                        help="also write feedback_uploads/<format>/<stage>.zip, each page named as that LMS named "
                             "the student's download (Canvas: Re-Upload Submissions; Moodle: Upload multiple "
                             "feedback files in a zip); pages of hand-ins from elsewhere are listed")


def run(args) -> int:
    from ..intake.lms_origin import UnreadableLmsOrigin
    from ..paths import Course
    from ..results.feedback import generate_feedback
    from ..results.feedback_lms_zips import write_lms_zips

    course = Course()
    pages = generate_feedback(course)
    _release_through_the_exchange(pages)
    if args.format:
        try:
            write_lms_zips(course, args.format, pages)
        except UnreadableLmsOrigin as error:
            print(f"feedback: {error}", file=sys.stderr)
            return 2
    return 0


def _release_through_the_exchange(pages) -> None:
    """Where the class works on the hub, hand each page back through the exchange (``hub/class_release.py``)."""
    from ..hub.class_release import release_feedback_to_class
    from ..hub.settings import hub_settings

    if pages:
        release_feedback_to_class(sorted({page.parent.name for page in pages}), hub_settings())
