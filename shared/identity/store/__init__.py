"""Identity's stores: the only code that reads or writes the identity table's accounts,
sessions, credentials and invitations. Each answers domain objects
(shared.identity.domain), never items."""
