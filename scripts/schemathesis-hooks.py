"""Hooks for the schemathesis run of crates/kyoyu/tests/serve/main.rs.

Schemathesis has no TOML serializer: the TOML incident file that POST /api/incidents takes
(`application/toml`, documented as a string) is sent as the text it generates, so the TOML path
of the server is fuzzed like the JSON one instead of being skipped.
"""

import schemathesis

schemathesis.serializer.alias("application/toml", "text/plain")
