"""The live alert feed's engine: parsing, detection, normalisation, deduplicated storage.

Never imports Textual. The receiver (aiohttp), spool watcher (watchfiles) and poller
(httpx) live in their own modules and are imported only by the commands that run them.
"""

from firedesk.intake.alert import Alert, MalformedPayload, Parsed, UnrecognisedPayload
from firedesk.intake.detect import detect_source, parse_body, parse_delivery

__all__ = ["Alert", "MalformedPayload", "Parsed", "UnrecognisedPayload", "detect_source",
           "parse_body", "parse_delivery"]
