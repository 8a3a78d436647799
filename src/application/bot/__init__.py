"""Use cases of the trader's Telegram bot, pure of Telegram: who is obeyed (``access``), what each
command answers (``service``, ``changes`` and the ``*_view`` modules), confirmations (``confirm``),
per-user rate limits (``ratelimit``), and the retrain requests it records (``ports``, ``pickup``)."""
