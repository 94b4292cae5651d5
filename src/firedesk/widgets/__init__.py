"""Console widgets: the timeline, the roles board and the capability panes."""
