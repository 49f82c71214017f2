"""Documents (.txt, .html, .docx) translated with their formatting kept.

``open_document`` checks an upload (format by extension and content, sizes) and takes it
apart into units to translate; ``Document.translate`` writes the translation back in the
same format; ``store.py`` keeps the translated file in the data dir for the key that made
it, and deletes it once downloaded or expired. ``service.runtime.documents.DocumentJobs``
runs documents now (LibreTranslate's ``/translate_file``) or in the background with a
status (queued, translating, done, error).
"""
