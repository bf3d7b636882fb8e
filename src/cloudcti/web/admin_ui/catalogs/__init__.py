"""Message catalogs of the admin pages: ``de`` (default) and ``en`` with the same keys."""
