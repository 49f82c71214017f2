"""ringkas: Indonesian news to trustworthy English on pretrained seq2seq models."""

__version__ = "0.1.0"
