"""The tester's toolkit: read a Response as a Response, compare two messages, mask patient data,
write reports and evidence packs, validate many files at once.

Every decision the desktop application and the command line need is here, free of Qt:
:mod:`.responses` (what a Response says, and its own conformance), :mod:`.diff` (added, removed,
changed and moved elements with their FHIR paths), :mod:`.masking` (the plan, the masked copy
and its summary), :mod:`.report` and :mod:`.report_html` (report data and a self-contained
HTML file), :mod:`.evidence` (a zip with a manifest) and :mod:`.sequence_svg` (a conversation as
an SVG sequence diagram).
"""
