"""The `rigshift` command line: the top of the dependency graph (it may import scrapers and
dashboard; scrapers never imports dashboard)."""
