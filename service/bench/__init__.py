"""`ringkas bench`: the same requests on three backends, figures side by side."""
