"""KRAs, objectives, key results, alignments, milestones and initiatives."""
