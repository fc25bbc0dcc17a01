"""The built-in model zoo: one module per GAN family, registered through the
`ganbench.models` entry points exactly like a third-party plugin."""
