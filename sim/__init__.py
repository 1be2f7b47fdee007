"""alliance-sim: an agent-based model of the South Caucasus alliance network."""
