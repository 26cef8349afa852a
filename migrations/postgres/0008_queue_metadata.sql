-- Queues get ClearML's display name and metadata (`{key: {key, type, value}}`);
-- workers keep the runtime properties clearml-agent sets.
ALTER TABLE queues ADD COLUMN display_name TEXT;
ALTER TABLE queues ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE workers ADD COLUMN runtime_properties TEXT NOT NULL DEFAULT '[]';
