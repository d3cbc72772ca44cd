"""PyTorch references (models, training loops).  Importing this package imports torch."""
