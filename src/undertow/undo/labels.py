"""undertow's labels: how its objects (and cloud resources) say whose they are.

Every object undertow creates carries `app.kubernetes.io/managed-by=undertow` and
`undertow.io/run-id=<run>`, plus `undertow.io/entry=<token>` naming the version file that
undoes it; `rollback sweep` finds leftovers by them even when the journal is lost. A
hijacker pod also carries `undertow.io/hijacker=<token>`, which the hijacked Service selects.
"""

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "undertow"
RUN_LABEL = "undertow.io/run-id"
ENTRY_LABEL = "undertow.io/entry"
HIJACKER_LABEL = "undertow.io/hijacker"
MANAGED_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"
