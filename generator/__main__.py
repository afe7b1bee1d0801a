import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl+C while the generator's modules load: nothing was done yet
    sys.exit(130)

sys.exit(main())
