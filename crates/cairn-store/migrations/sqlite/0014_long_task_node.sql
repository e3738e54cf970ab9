-- The node that runs a long task. Tasks run in the memory of one node; when that node stops or
-- dies first, the pruning job finds the task still 'running' under a node that no longer beats
-- and records it as failed, so nobody waits for it. NULL for tasks recorded before this column.
ALTER TABLE long_task ADD COLUMN node_id VARCHAR(64);
