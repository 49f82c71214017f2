"""clean -> segment -> translate -> summarise -> (back-translate), one object for API and CLI."""

from service.pipeline.pipeline import Pipeline, SummaryResult, TranslationResult

__all__ = ["Pipeline", "SummaryResult", "TranslationResult"]
