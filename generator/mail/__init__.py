"""The email newsletter: compose an issue (`compose`, `html`), wrap it in MIME (`message`),
write its files (`outbox`), and send it once to each reader (`smtp`, `ledger`, `addresses`)."""
