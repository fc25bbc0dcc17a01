from ganbench.version import __version__
