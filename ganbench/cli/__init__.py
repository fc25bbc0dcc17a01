"""The command line: Typer parsing and calling (app.py), the zoo's listing.
"""
