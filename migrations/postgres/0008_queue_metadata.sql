-- Queues get ClearML's display name and metadata (`{key: {key, type, value}}`);
-- workers keep the runtime properties clearml-agent sets.
ALTER TABLE queues ADD COLUMN display_name TEXT;
ALTER TABLE queues ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE workers ADD COLUMN runtime_properties TEXT NOT NULL DEFAULT '[]';
-- The iteration a console line was reported at (ClearML's log events carry it).
ALTER TABLE task_logs ADD COLUMN iter BIGINT NOT NULL DEFAULT 0;
-- Reports (tasks of type `report`): their Markdown and the files it embeds.
ALTER TABLE tasks ADD COLUMN report TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN report_assets TEXT NOT NULL DEFAULT '[]';
-- Workers' system tags and the timeout each registered with (seconds as
-- ClearML takes it, stored in ms; NULL: the server's).
ALTER TABLE workers ADD COLUMN system_tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE workers ADD COLUMN timeout_ms BIGINT;
