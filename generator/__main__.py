import os
import sys
import threading

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl+C while the generator's modules load: nothing was done yet
    sys.exit(130)

code = main()
# The process ends without Python freeing the build's objects one by one (its data, MkDocs' and Jinja's): the system
# takes its memory back at once (0.15 s of a build at our guideline's size). What Python would still do first: write
# out what is printed, and wait for the threads that are not daemons (serve deletes an old site in one).
sys.stdout.flush()
sys.stderr.flush()
for thread in threading.enumerate():
    if thread is not threading.current_thread() and not thread.daemon:
        thread.join()
os._exit(code)
