"""The student's package: what the course's notebooks import (models, data, plotting, the visible checks, the
hidden tests' recorder), and all a grading kernel may import.

``utils.instructor`` inside it is the instructor's package (answer key, judge, grading, the term's tools), never
shipped to students and never visible to a grading kernel; ``utils.package_split`` defines the boundary.
"""
