"""Deal logs as numbers: outcomes tallied per deal, sets, durations and period buckets."""
