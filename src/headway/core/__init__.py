"""The pure core: arithmetic (DESIGN §3), health checks (§4) and the key-result text parser.

Nothing here imports Django; every function takes and returns plain values.
"""
