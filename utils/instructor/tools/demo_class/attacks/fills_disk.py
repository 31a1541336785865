import os
for path in ("/tmp/fill", "fill", "{root}/fill"):
    try:
        with open(path, "wb") as handle:
            while True:
                handle.write(b"0" * (1 << 24))
    except Exception:
        pass
    try:
        os.remove(path)
    except Exception:
        pass
