"""Compare two messages side by side: :mod:`.window`, the side trees (:mod:`.model`), the list of
differences (:mod:`.differences`), choosing the two (:mod:`.chooser`) and the work (:mod:`.work`)."""
