"""Pages of 高效办成一件事 (thin: selectors read, services write, templates show)."""
