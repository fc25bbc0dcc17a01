"""The bottom layer: errors, typed settings and contracts, atomic files, progress, tensor files, the process
group and provenance. It imports no other part of ganbench.
"""
