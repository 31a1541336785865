"""One typed record and one door to the gradebook (issue 27), checked on the source of every module in utils/:
no module outside ``record/`` decides anything from a status's words, and only ``gradebook/`` opens nbgrader's
Gradebook or reaches the course's JSON stores and the expected values' cache. Each check is first proven to find
a planted violation."""

from __future__ import annotations

from tests.source_rules import GRADEBOOK, RECORD, UTILS, gradebook_opened_or_stores_touched, sources, \
    status_parsed_from_words

PLANTED_WORDS = '''
NOT_FINAL = (PENDING, COULD_NOT)
def final(grade):
    return not grade.status.startswith("pending")
def flagged(text):
    return text.startswith(NOT_FINAL)
def late(row):
    return "late" in row["status"]
'''

PLANTED_DOOR = '''
import json
from nbgrader.api import Gradebook
def scores(course):
    with Gradebook(course.db_url) as gradebook:
        return gradebook.students
def save(course, data):
    course.grading_status.write_text(json.dumps(data))
    (course.root / ".gradebook_sources.json").write_text("{}")
def cache(stage, arrays):
    np.savez(cache_dir() / f"{stage}.npz", **arrays)
'''


def test_the_words_check_finds_a_planted_status_parser():
    found = status_parsed_from_words(PLANTED_WORDS)
    assert 'grade.status.startswith(\'pending\')' in found
    assert "text.startswith(NOT_FINAL)" in found
    assert "'late' in row['status']" in found
    assert status_parsed_from_words("def final(grade):\n    return grade.state.final\n") == []


def test_the_door_check_finds_a_planted_gradebook_and_store():
    found = gradebook_opened_or_stores_touched(PLANTED_DOOR)
    assert "from nbgrader.api import Gradebook" in found
    assert "course.grading_status" in found and "'.gradebook_sources.json'" in found and "cache() writes the expected values' cache" in found
    assert gradebook_opened_or_stores_touched("def f(gradebook):\n    return gradebook.students\n") == []


def test_no_module_outside_the_record_parses_a_status_from_words():
    found = {str(path.relative_to(UTILS)): hits for path, text in sources().items()
             if RECORD not in path.parents and (hits := status_parsed_from_words(text))}
    assert found == {}


def test_only_the_gradebook_opens_nbgraders_gradebook_or_the_json_stores():
    allowed = (GRADEBOOK, UTILS / "instructor" / "paths.py")  # paths.py names the stores' files
    found = {str(path.relative_to(UTILS)): hits for path, text in sources().items()
             if path not in allowed and GRADEBOOK not in path.parents
             and (hits := gradebook_opened_or_stores_touched(text))}
    assert found == {}
