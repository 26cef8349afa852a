-- Filters the experiments table and tasks.get_all use often.
CREATE INDEX tasks_type ON tasks(type);
-- Tag filters are `(tags)::jsonb ? 'x'`: a GIN index on that expression serves them.
CREATE INDEX tasks_tags ON tasks USING GIN (((tags)::jsonb));
CREATE INDEX tasks_system_tags ON tasks USING GIN (((system_tags)::jsonb));
