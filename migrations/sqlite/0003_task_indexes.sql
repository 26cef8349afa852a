-- Filters the experiments table and tasks.get_all use often.
CREATE INDEX tasks_type ON tasks(type);
