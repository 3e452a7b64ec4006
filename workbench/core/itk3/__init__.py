"""The ITK3 layer over the element tree: reading messages, and (later) building Responses."""
