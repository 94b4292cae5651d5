"""A real writer process for the concurrency and crash tests.

Usage: python writer_process.py DB INCIDENT_ID COUNT NAME
Writes COUNT notes through firedesk's write path and prints each event id on its own
line *after* its commit returned: a printed id is an acknowledged write.
"""

import sys

from firedesk.errors import FiredeskError
from firedesk.store import Store, add_entry, resolve_incident


def main() -> int:
    path, incident_ref, count, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    errors = 0
    with Store(path) as store:
        incident = resolve_incident(store, incident_ref)
        for n in range(count):
            try:
                event = add_entry(store, incident, f"{name} note {n}", author=name)
            except FiredeskError as exc:
                errors += 1
                print(f"error {exc}", flush=True)
                continue
            print(event.id, flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
