"""The email newsletter: compose an issue (`compose`, `html`), wrap it in MIME (`message`),
write its files (`outbox`), and send it to each reader (`send`, over `smtp`, written down in
`ledger`, to `addresses`).
"""
