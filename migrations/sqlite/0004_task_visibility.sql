-- The `archived` and `hidden` system tags as columns, kept in step with
-- `system_tags` on every write, so that the default table views (which hide
-- both) filter and count through an index instead of parsing JSON per row.
ALTER TABLE tasks ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET archived = 1 WHERE EXISTS (SELECT 1 FROM json_each(tasks.system_tags) WHERE value = 'archived');
UPDATE tasks SET hidden = 1 WHERE EXISTS (SELECT 1 FROM json_each(tasks.system_tags) WHERE value = 'hidden');
CREATE INDEX tasks_visible_update ON tasks(archived, hidden, last_update);
CREATE INDEX tasks_project_visible_update ON tasks(project, archived, hidden, last_update);
-- Sorting the visible tasks by name or creation time walks an index too.
CREATE INDEX tasks_visible_name ON tasks(archived, hidden, name);
CREATE INDEX tasks_visible_created ON tasks(archived, hidden, created);
-- The project tree's counts (tasks, running, newest update) from the index alone.
CREATE INDEX tasks_project_stats ON tasks(project, status, last_update);
-- A table sorted by a metric column walks the series in value order.
CREATE INDEX scalar_series_last ON scalar_series(metric, variant, last_value);
CREATE INDEX scalar_series_min ON scalar_series(metric, variant, min_value);
CREATE INDEX scalar_series_max ON scalar_series(metric, variant, max_value);
