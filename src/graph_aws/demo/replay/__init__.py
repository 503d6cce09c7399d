"""An emulator fast enough to measure graph-aws: calls recorded once from moto, replayed for a
synthetic organization of any size (wire.py, recording.py, organization.py, server.py)."""
