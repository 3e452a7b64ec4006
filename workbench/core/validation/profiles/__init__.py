"""Layer 4: profiles (StructureDefinition snapshots) and terminology (bindings).

``registry`` holds the compiled conformance resources, ``loader`` reads them, ``engine``
validates a resource against a profile, and ``layer.check`` is what the validator runs.
"""
