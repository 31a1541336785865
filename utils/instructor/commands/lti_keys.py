"""lti-keys: the tool's key pairs for the LMS (the JWKS it is given), rolled or retired."""

import json
import sys

HELP = "print the tool's public keys (JWKS) for the LMS, making the first key if none; --roll, --retire KID"


def add_arguments(parser) -> None:
    parser.add_argument("--roll", action="store_true",
                        help="make a new key that signs from now on; the old one stays published until retired")
    parser.add_argument("--retire", metavar="KID", help="stop publishing an old key (not the one that signs)")


def run(args) -> int:
    from ..lms.tool_keys import ToolKeyError, ToolKeys
    from ..paths import Course

    keys = ToolKeys.of_course(Course().root)
    try:
        if args.retire:
            keys.retire(args.retire)
            print(f"lti-keys: retired {args.retire}", file=sys.stderr)
        signing = keys.roll() if args.roll else keys.current()
    except ToolKeyError as error:
        print(f"lti-keys: {error}", file=sys.stderr)
        return 2
    print(json.dumps(keys.jwks(), indent=1))
    print(f"lti-keys: {signing.kid} signs; the hub publishes these keys at /hub/lti13/jwks (give the LMS that URL, or "
          "paste the key above where it asks for a public key)", file=sys.stderr)
    return 0
