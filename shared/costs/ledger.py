"""The cost ledger: every LLM call, and the rollups that answer summaries without a Scan.

`record_call` writes the call and adds it to each of its rollups in ONE TransactWriteItems
(one Put and six to eight UpdateItem ``ADD``s, `shared.costs.ledger_store`), so the ledger
and the rollups never disagree and concurrent instances never lose a count. Budget alerts
are not part of it: the caller runs ``shared.costs.alerts.alerts_after`` once the call is
recorded. The call is `shared.costs.domain.CallRecord`, priced by
`shared.costs.amounts.cost_micros`.
"""

from __future__ import annotations

from shared.costs import ledger_store
from shared.costs.calls import CallRecord
from shared.ids import new_id


def record_call(record: CallRecord, *, call_id: str | None = None) -> str:
    """Store the call and add it to its rollups, all or nothing. Answers the call's id.

    `call_id` is an idempotency key: a call already recorded under it is not counted again
    (a worker that retries after recording loses nothing and double-counts nothing).
    """
    call_id = call_id or new_id()
    ledger_store.save_call(record, call_id)  # False: recorded before, counted once
    return call_id
