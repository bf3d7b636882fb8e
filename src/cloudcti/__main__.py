"""Allow ``python -m cloudcti``."""

from cloudcti.cli import main

main()
