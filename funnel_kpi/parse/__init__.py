"""Reading what users bring: cells, headers, columns, summaries, deal logs, pins and the column
read-out."""
