"""GB/T 2260 regions: codes and their ancestors (codes), names (names, provinces) and the regions a
rider can pick (choices)."""
