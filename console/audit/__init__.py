"""The signed, hash-chained audit log: append, verify, read, export; and the signing keys.

Every decision mrp takes or records ends here as one JSON line, hashed over its canonical
form, chained to the line before and signed with the actor's Ed25519 key, so an auditor
can check the whole history offline against ``signers.yaml``. This package never imports
Textual or Typer: the CLI and the TUI are faces over it.
"""
