"""The model API: the GAN base class and its Batch, the model registry (the zoo and plugins, by entry point),
a user's generator module, and sampling a generator into uint8 images.
"""
