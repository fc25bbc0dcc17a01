"""Feature encoders: the networks metrics read images through, apart from the metrics (as dgm-eval keeps them).

- `encoders.py`: the encoder registry: each encoder's name, input size, preprocessing, weights and how they are
  found, output dimension, and how it is built; `register_encoder` adds one.
- `extractor.py`: the extraction loop every encoder shares (uint8 batches in, float32 features out, a progress
  bar), and torch-fidelity's Inception-v3 on it in three precisions.
- `inception.py` (Inception's weights: found, verified, converted), `inception_net.py` (its lean forward pass),
  `cleanfid.py` (clean-fid's pipeline), `vgg16.py` (torchvision's VGG16 for precision/recall and density/coverage).
"""
