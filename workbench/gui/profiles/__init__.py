"""The conformance resources validation uses: the library (shipped pack plus the user's sources)
and the Settings › Profiles dialog."""
