"""One path from a request (request.py) to records: one model on one suite (plan, train, score, write its
record), a suite's models (reuse what serves, complete what is missing), what `score` accepts, a plan's
duration, the records themselves.
"""
