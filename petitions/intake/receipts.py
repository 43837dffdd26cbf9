"""The receipt's copy of a query code (回执): kept by the petitioner's browser, not by us.

After a public filing the receipt page shows the query code, and shows it again on a refresh for a
while (post/redirect/get). The code is never stored in clear on the server: the database holds only
its keyed hash, and the receipt's copy travels in a cookie sealed (encrypted and authenticated)
under a key kept outside the database (`petitions.cases.sealing`). A stolen database therefore
holds no code; a stolen cookie opens only that browser's own recent receipts, until it expires.
"""

from __future__ import annotations

import json

from petitions.cases.sealing import seal, unseal

#: The cookie's name; its path is the public site's, see the view.
RECEIPT_COOKIE = "petitions_receipts"
#: How long a refresh of the receipt page still shows the code (the session's age before).
RECEIPT_MAX_AGE = 12 * 60 * 60
#: The most recent filings of one browser whose receipts still show their code.
RECEIPTS_KEPT = 10

_PURPOSE = b"receipt-cookie"


def open_receipts(cookie: str | None) -> dict[str, dict[str, str]]:
    """The receipts a browser's cookie holds, by submission token; {} when it is missing,
    expired, forged or sealed under a key no longer accepted."""
    text = unseal(cookie, _PURPOSE, max_age=RECEIPT_MAX_AGE) if cookie else None
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(token): {"number": str(entry[0]), "code": str(entry[1])}
        for token, entry in data.items()
        if isinstance(entry, list) and len(entry) == 2
    }


def seal_receipt(cookie: str | None, token: str, number: str, code: str) -> str:
    """The cookie's new value: the receipts it held plus this one, the oldest dropped."""
    receipts = {t: [r["number"], r["code"]] for t, r in open_receipts(cookie).items()}
    receipts.pop(token, None)
    receipts[token] = [number, code]
    kept = dict(list(receipts.items())[-RECEIPTS_KEPT:])
    return seal(json.dumps(kept, separators=(",", ":")), _PURPOSE)


def remembered_code(cookie: str | None, token: str) -> str | None:
    """The query code of this filing if this browser filed it recently, else None."""
    return open_receipts(cookie).get(token, {}).get("code")
