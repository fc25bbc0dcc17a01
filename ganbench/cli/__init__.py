"""The command line: the commands, parsing and calling (app.py), what they print (render.py), the entry
point that turns every ending into an exit code (main.py), the zoo's listing (listing.py).
"""
