"""The hall of open demands (需求大厅) where supplier accounts find demands to answer (院所答题)."""
