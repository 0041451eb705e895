"""Run the command line: ``python -m briefgen``."""

from briefgen.cli import main

main(prog_name="briefgen")
