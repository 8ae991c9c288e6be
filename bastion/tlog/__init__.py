"""Transparency-log primitives with no Bastion domain in them (the base layer).

``merkle``: RFC 6962 / RFC 9162 hashing, compact ranges, inclusion and consistency
proofs and their verifiers. ``heads``: Bastion's Ed25519-signed tree heads and the chain
of signing keys. ``note``: C2SP signed notes and tlog-checkpoints, the interoperable
form of the same heads. The agent's writer (``agent.audit``) and the compliance tools
(``compliance``) both build on these; neither owns them.
"""
